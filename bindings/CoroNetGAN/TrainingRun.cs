using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>
/// A training run started or resumed by <see cref="TrainingRuns"/> or <see cref="DistributedRuns"/>: run it to the end
/// with <see cref="Run"/>, watch it through its events. Used from one thread; its events fire on that thread. Dispose it
/// to free its models and device memory.
/// </summary>
/// <remarks>The API's face of the engine's trainer: it exposes what a program drives a run with and keeps the
/// trainer's parity and benchmark hooks (step tensors, optimizer events, single steps) out of the API.</remarks>
public sealed class TrainingRun : IDisposable
{
    /// <summary>The phase of a pruning search (the hypernetwork learns the widths).</summary>
    public const string SearchPhase = Trainer.SearchPhase;

    /// <summary>The phase after extraction (the compact generator is fine-tuned).</summary>
    public const string FinetunePhase = Trainer.FinetunePhase;

    /// <summary>The phase of a run without pruning.</summary>
    public const string TrainPhase = Trainer.TrainPhase;

    internal TrainingRun(Trainer trainer) => Trainer = trainer;

    /// <summary>The engine's trainer behind this run (for the bindings' report and the tests).</summary>
    internal Trainer Trainer { get; }

    /// <summary>The run's options.</summary>
    public TrainOptions Options => Trainer.Options;

    /// <summary>Steps done.</summary>
    public long Step => Trainer.Step;

    /// <summary>The current phase: <see cref="SearchPhase"/>, <see cref="FinetunePhase"/> or <see cref="TrainPhase"/>.</summary>
    public string Phase => Trainer.Phase;

    /// <summary>Per-step records so far (also written to <c>history.json</c>).</summary>
    public IReadOnlyList<HistoryEntry> History => Trainer.History;

    /// <summary>Raised after every step.</summary>
    public event Action<TrainProgress>? Progress
    {
        add => Trainer.Progress += value;
        remove => Trainer.Progress -= value;
    }

    /// <summary>Raised every <see cref="TrainOptions.SampleEvery"/> steps, once per generator.</summary>
    public event Action<TrainSample>? Sample
    {
        add => Trainer.Sample += value;
        remove => Trainer.Sample -= value;
    }

    /// <summary>Raised with human-readable lines: search checks, lambda changes, extraction, checkpoints.</summary>
    public event Action<string>? Log
    {
        add => Trainer.Log += value;
        remove => Trainer.Log -= value;
    }

    /// <summary>
    /// Runs the remaining steps, then writes the final checkpoint, the compact generator(s), <c>report.json</c> and
    /// <c>history.json</c> and returns the report. On cancellation it writes a checkpoint first and then throws
    /// <see cref="OperationCanceledException"/>; <see cref="TrainingRuns.Resume"/> continues from there.
    /// </summary>
    public TrainReport Run(CancellationToken cancellation = default) => Trainer.Run(cancellation);

    /// <summary>Makes this run one rank of a data-parallel group (before the first step): gradients are averaged over
    /// <paramref name="communicator"/> and only rank 0 writes files.</summary>
    /// <exception cref="ArgumentException">The group's size is not the run's <see cref="TrainOptions.Ranks"/> (a resumed
    /// run must use the same number of ranks).</exception>
    /// <exception cref="InvalidOperationException">Already distributed, or steps have already run in this process.</exception>
    public void Distribute(ICommunicator communicator) => Trainer.Distribute(communicator);

    /// <summary>The gradient all-reduce's totals so far in a distributed run; null in a single-process run.</summary>
    public AllReduceStats? AllReduce => Trainer.GradientAverager is { } g
        ? new AllReduceStats(g.Averages, g.AllReduceCalls, g.Bytes, g.AllReduceSeconds, g.CopySeconds)
        : null;

    /// <summary>Frees the run's models, optimizers and device memory (the files it wrote stay).</summary>
    public void Dispose() => Trainer.Dispose();
}

/// <summary>The gradient all-reduce's totals of a distributed run (<see cref="TrainingRun.AllReduce"/>).</summary>
/// <param name="Averages">Gradient averagings done (one per optimizer step: two per training step).</param>
/// <param name="Calls">All-reduce calls made (large gradients go in several chunks).</param>
/// <param name="Bytes">Bytes all-reduced.</param>
/// <param name="Seconds">Wall time spent in the all-reduce calls.</param>
/// <param name="CopySeconds">Wall time spent packing gradients into the send buffer and back.</param>
public sealed record AllReduceStats(long Averages, long Calls, long Bytes, double Seconds, double CopySeconds);
