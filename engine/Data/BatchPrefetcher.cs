using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Runs a <see cref="DataLoader"/> ahead of training on a background thread: while step k trains, the batches of
/// the next few steps are decoded and augmented. Batches come out in step order and are exactly
/// <see cref="DataLoader.BatchAt"/>'s, so prefetching never changes a run. The loader must not be used elsewhere
/// while the prefetcher owns it (its permutation cache is not thread-safe).
/// </summary>
public sealed class BatchPrefetcher : IDisposable
{
    readonly BlockingCollection<HostBatch> _queue;
    readonly CancellationTokenSource _stop = new();
    readonly Task _producer;
    ExceptionDispatchInfo? _failure;

    /// <summary>Starts producing from <paramref name="startStep"/> (the step a run starts or resumes at), at most <paramref name="depth"/> batches ahead.</summary>
    public BatchPrefetcher(DataLoader loader, long startStep, int depth = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        NextStep = startStep;
        _queue = new BlockingCollection<HostBatch>(depth);
        var token = _stop.Token;
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                for (long step = startStep; !token.IsCancellationRequested; step++) _queue.Add(loader.BatchAt(step), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { }
            catch (Exception e) { _failure = ExceptionDispatchInfo.Capture(e); }
            finally { _queue.CompleteAdding(); }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The step whose batch <see cref="Next"/> returns next.</summary>
    public long NextStep { get; private set; }

    /// <summary>The batch of <see cref="NextStep"/>, waiting for it if needed; a loading error (a file gone bad) is rethrown here.</summary>
    public HostBatch Next()
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (_queue.TryTake(out var batch, Timeout.Infinite))
        {
            NextStep++;
            return batch;
        }
        _failure?.Throw();
        throw new InvalidOperationException("the prefetcher stopped without a batch.");
    }

    /// <summary>Stops the background thread.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        try { _producer.Wait(); } catch (AggregateException) { }
        _queue.Dispose();
        _stop.Dispose();
    }
}
