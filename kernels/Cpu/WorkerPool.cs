using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// A fork-join pool of dedicated worker threads for <see cref="Par"/>: the caller publishes a loop, takes items
/// itself, and the workers (spinning briefly between loops, then sleeping) take the rest.
/// </summary>
/// <remarks>
/// Added for speed (issue 6): a CycleGAN step at 64x64 makes about 1,100 parallel loops of a few tens of
/// microseconds each (small GEMMs, norms), where Parallel.For's hand-off through the thread pool was a visible share
/// of the step (context switches and sched_yield showed in its profile; bench/README.md). One caller at a time owns
/// the pool; a second concurrent caller gets false and uses Parallel.For, and a loop started inside a pool loop runs
/// serially (every core is busy with the outer one).
/// </remarks>
sealed class WorkerPool : IDisposable
{
    /// <summary>How long a worker spins for the next loop before it sleeps, in stopwatch ticks (about 100 us).</summary>
    static readonly long SpinTicks = Stopwatch.Frequency / 10_000;

    /// <summary>One loop; a worker that wakes late holds the old job, finds no items left and does nothing.</summary>
    sealed class Job(int from, int to, Action<int> body)
    {
        public readonly Action<int> Body = body;
        public readonly int To = to;
        public int Next = from;
        public int Done;
        public Exception? Error;

        /// <summary>Takes items until none are left.</summary>
        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < To)
            {
                try { Body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                Interlocked.Increment(ref Done);
            }
        }
    }

    /// <summary>Whether this thread is inside a pool loop's body (so a nested loop runs serially).</summary>
    [ThreadStatic, ProcessWideCache("Per-thread flag of the pools' own bookkeeping, not a setting.")] static bool t_inLoop;

    readonly object _gate = new();
    Job? _job;
    long _generation;
    int _sleeping, _busy;
    volatile bool _stop;

    /// <summary>Starts <paramref name="workers"/> background threads (the caller is the last worker of every loop).</summary>
    public WorkerPool(int workers)
    {
        for (int i = 0; i < workers; i++)
            new Thread(WorkerLoop) { IsBackground = true, Name = $"CoroNetGAN kernel worker {i + 1}" }.Start();
    }

    /// <summary>Runs body(i) for i in [from, to) on the pool; false (nothing run) when it is in use or this is a nested loop.</summary>
    public bool TryRun(int from, int to, Action<int> body)
    {
        if (t_inLoop || _stop || Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            var job = new Job(from, to, body);
            Volatile.Write(ref _job, job);
            Interlocked.Increment(ref _generation);
            // Dekker pairing with WorkerLoop: both sides make their write visible before reading the other's.
            if (Volatile.Read(ref _sleeping) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            t_inLoop = true;
            try { job.Work(); }
            finally { t_inLoop = false; }
            int count = to - from;
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Done) < count) spin.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _job, null);
            if (job.Error is { } error) ExceptionDispatchInfo.Throw(error);
            return true;
        }
        finally { Volatile.Write(ref _busy, 0); }
    }

    void WorkerLoop()
    {
        t_inLoop = true;
        long seen = 0;
        while (!_stop)
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && !_stop)
            {
                if (Stopwatch.GetTimestamp() - start < SpinTicks) { Thread.SpinWait(16); continue; }
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleeping);
                    while (Volatile.Read(ref _generation) == seen && !_stop) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleeping);
                }
            }
            seen = Volatile.Read(ref _generation);
            Volatile.Read(ref _job)?.Work();
        }
    }

    /// <summary>Stops the workers (they finish the loop in hand).</summary>
    public void Dispose()
    {
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
    }
}
