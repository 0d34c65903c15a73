using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Distributed;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Training;

public abstract partial class Trainer
{
    ICommunicator? _communicator;

    /// <summary>The group this trainer trains with (<see cref="Distribute"/>); null in a single-process run.</summary>
    public ICommunicator? Communicator => _communicator;

    /// <summary>Averages the gradients of every optimizer step over the ranks; null in a single-process run. Its
    /// counters give the all-reduce time and bytes.</summary>
    public GradientAverager? GradientAverager { get; private set; }

    /// <summary>Whether this process writes the run's files (checkpoints, compact models, report, history): rank 0 of a
    /// distributed run, or a single process.</summary>
    public bool WritesFiles => _communicator is null || _communicator.Rank == 0;

    /// <summary>
    /// Makes this trainer one rank of a data-parallel run over <paramref name="communicator"/>, before its first step
    /// in this process (after <see cref="Create"/> or <see cref="Resume"/>; every rank starts the same way, from the same
    /// seed or the same checkpoint, so all begin with the same weights). From then on each rank trains on its shard
    /// of every global batch of <see cref="TrainOptions.Ranks"/> x <see cref="TrainOptions.BatchSize"/> samples; every
    /// gradient (generators, hypernetworks, latents, discriminators) is averaged over the ranks before each optimizer
    /// step, so Adam, the proximal step, the MAC checks, the stop decision and the extraction run identically on every
    /// rank; the reported losses are averaged too; only rank 0 writes files.
    /// </summary>
    /// <remarks>
    /// Batch statistics are per rank: InstanceNorm is per sample anyway; BatchNorm normalises each rank's shard by the
    /// shard's own statistics (PyTorch DDP without SyncBatchNorm), so a BatchNorm run is not the single-process run
    /// with the global batch, and BatchNorm's running statistics are averaged over the ranks at every checkpoint and at
    /// the end. Dropout draws each rank's masks from its own stream. CycleGAN's image pools are per rank (each holds
    /// its own shard's fakes); a checkpoint saves rank 0's, which every rank restores on resume.
    /// </remarks>
    /// <exception cref="ArgumentException">The group's size is not the run's <see cref="TrainOptions.Ranks"/> (a resumed
    /// run must use the same number of ranks).</exception>
    /// <exception cref="InvalidOperationException">Already distributed, or steps have already run in this process.</exception>
    public void Distribute(ICommunicator communicator)
    {
        if (_communicator != null) throw new InvalidOperationException("this trainer is already distributed.");
        if (_sessionSteps > 0) throw new InvalidOperationException("distribute a trainer before its first step in this process.");
        if (communicator.Size != Options.Ranks)
            throw new ArgumentException($"this run trains on {Options.Ranks} rank(s) (a global batch of {Options.Ranks} x {Options.BatchSize}), " +
                $"but {communicator.Size} were started; start it with mpirun -np {Options.Ranks} (a resumed run needs the same number of ranks).");
        _communicator = communicator;
        _loader = new DataLoader(TrainData, Options.BatchSize, (uint)Options.Seed, Options.SerialBatches, communicator.Rank, communicator.Size);
        GradientAverager = new GradientAverager(communicator);
        OptimizerStepping += info => GradientAverager.Average(info.Parameters);
        SetDropoutStreams();
    }

    /// <summary>Refuses to step a multi-rank run that has no communicator (a resume without --distributed).</summary>
    void CheckRanks()
    {
        if (_communicator == null && Options.Ranks != 1)
            throw new InvalidOperationException($"this run trains on {Options.Ranks} ranks; call Distribute with a communicator of that size " +
                $"(the command line: mpirun -np {Options.Ranks} coronetgan train ... --distributed).");
    }

    /// <summary>Gives each rank's dropout layers the rank's own mask stream (again after extraction builds new layers).</summary>
    void SetDropoutStreams()
    {
        if (_communicator is not { } c) return;
        foreach (var (_, model) in AllModels())
            foreach (var (_, m) in model.NamedModules())
                if (m is Dropout d) d.Stream = (uint)c.Rank;
    }

    /// <summary>Whether to stop: on any rank's request, agreed by all so that every rank stops at the same step.</summary>
    bool StopRequested(CancellationToken cancellation)
    {
        if (_communicator is not { Size: > 1 } c || !cancellation.CanBeCanceled) return cancellation.IsCancellationRequested;
        Span<float> flag = [cancellation.IsCancellationRequested ? 1f : 0f];
        c.AllReduceSum(flag);
        return flag[0] > 0;
    }

    /// <summary>The step's losses averaged over the ranks (each rank computed them on its own shard).</summary>
    IReadOnlyDictionary<string, float> AverageLosses(IReadOnlyDictionary<string, float> losses)
    {
        if (_communicator is not { Size: > 1 } c) return losses;
        var names = losses.Keys.Order(StringComparer.Ordinal).ToArray();
        var values = names.Select(n => losses[n]).ToArray();
        c.AllReduceSum(values);
        return names.Select((n, i) => (n, v: values[i] / c.Size)).ToDictionary(p => p.n, p => p.v, StringComparer.Ordinal);
    }

    /// <summary>
    /// A checkpoint as every rank sees it: the ranks first average their BatchNorm statistics and check that their
    /// weights are bit-identical (they must be, or the run is broken), then rank 0 writes the file.
    /// </summary>
    string? Checkpoint()
    {
        SyncRanks();
        return WritesFiles ? SaveCheckpoint() : null;
    }

    /// <summary>Averages BatchNorm's running statistics over the ranks and checks that the weights agree.</summary>
    void SyncRanks()
    {
        if (_communicator is not { Size: > 1 } c) return;
        RankSync.Average(c, AllModels().SelectMany(m => m.Model.NamedBuffers()).Select(b => b.Tensor).ToList());
        var weights = AllModels().SelectMany(m => m.Model.NamedParameters()).Select(p => p.Tensor);
        if (!RankSync.Agree(c, RankSync.Fingerprint(weights)))
            throw new InvalidOperationException($"rank {c.Rank}: the ranks' weights differ at step {Step}, so the all-reduce did not give every " +
                "rank the same sums; the run cannot continue consistently. Resume it from its last checkpoint.");
    }
}
