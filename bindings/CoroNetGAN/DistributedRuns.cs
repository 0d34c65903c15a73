using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Distributed;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>
/// Data-parallel training over MPI: start the same program on N ranks with <c>mpirun -np N</c>; on each, call
/// <see cref="Join"/>, then <see cref="Start"/> or <see cref="Resume"/>, then <see cref="TrainingRun.Run"/>. The ranks
/// train one run with a global batch of N x <see cref="TrainOptions.BatchSize"/>; rank 0 writes every file. MPI
/// (OpenMPI 4.x) is loaded only here, so programs that never call this do not need it.
/// </summary>
/// <remarks>Recovery is checkpoint and restart: when a rank dies or hangs the whole job ends (see
/// <see cref="DefaultWatchdog"/>), and the same command with <see cref="Resume"/> on the same N continues from the last
/// checkpoint.</remarks>
public static class DistributedRuns
{
    /// <summary>How long a collective may wait for the other ranks before the job is aborted (a hung rank): long enough
    /// for rank 0 to write a large checkpoint while the others wait at the next step.</summary>
    public static readonly TimeSpan DefaultWatchdog = TimeSpan.FromSeconds(120);

    /// <summary>Initialises MPI and returns this rank's communicator (dispose it at the end: MPI_Finalize).</summary>
    /// <param name="watchdog">Longest wait of a collective before the job is aborted; null: <see cref="DefaultWatchdog"/>.</param>
    /// <exception cref="MpiUnavailableException">OpenMPI is not installed; the message says how to install it.</exception>
    public static MpiCommunicator Join(TimeSpan? watchdog = null)
    {
        return MpiCommunicator.Initialize(watchdog ?? DefaultWatchdog);
    }

    /// <summary>
    /// Opens this rank's device for <paramref name="device"/> (see <see cref="DeviceName"/>). On the CPU backend with
    /// <c>CORONETGAN_CPU_THREADS</c> unset, the host's cores are split between its ranks, so they do not compete.
    /// </summary>
    public static Device OpenDevice(string device, MpiCommunicator communicator)
    {
        string name = DeviceName(device, communicator);
        if (communicator.LocalSize <= 1 || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BackendOptions.ThreadsVariable)))
            return Device.Create(name);
        var o = BackendOptions.FromEnvironment();
        return Device.Create(name, o with { Cpu = o.Cpu with { Threads = Math.Max(1, Environment.ProcessorCount / communicator.LocalSize) } });
    }

    /// <summary>The device a rank should open for <paramref name="device"/>: <c>cuda</c> (no index) becomes
    /// <c>cuda:LOCAL_RANK</c>, one GPU per rank on a multi-GPU host; other names are kept.</summary>
    public static string DeviceName(string device, MpiCommunicator communicator) =>
        string.Equals(device.Trim(), "cuda", StringComparison.OrdinalIgnoreCase) ? $"cuda:{communicator.LocalRank}" : device;

    /// <summary>A new run of <paramref name="options"/> as this rank (its <see cref="TrainOptions.Ranks"/> set to the group's size).</summary>
    public static TrainingRun Start(TrainOptions options, string dataDir, ICommunicator communicator, Device? device = null, bool skipBadImages = false,
        int? loadSize = null)
    {
        var trainer = TrainingRuns.Start(options with { Ranks = communicator.Size }, dataDir, device, skipBadImages, loadSize, ownsFolder: communicator.Rank == 0);
        return Distributed(trainer, communicator);
    }

    /// <summary>Continues the run in <paramref name="outputDir"/> from its newest checkpoint as this rank; every rank reads the
    /// same checkpoint (on several hosts the folder must be shared, or the checkpoint copied to the same path on each).</summary>
    /// <exception cref="ArgumentException">The run was trained on another number of ranks.</exception>
    public static TrainingRun Resume(string outputDir, string dataDir, ICommunicator communicator, TrainOptions? expected = null, Device? device = null,
        bool skipBadImages = false, int? loadSize = null)
    {
        var trainer = TrainingRuns.Resume(outputDir, dataDir, expected, device, skipBadImages, loadSize, ownsFolder: communicator.Rank == 0);
        return Distributed(trainer, communicator);
    }

    static TrainingRun Distributed(TrainingRun run, ICommunicator communicator)
    {
        try { run.Distribute(communicator); }
        catch { run.Dispose(); throw; }
        return run;
    }
}
