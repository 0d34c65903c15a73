using System.Diagnostics;
using System.Runtime.InteropServices;
using CoroNetGAN.Engine.Distributed;

namespace CoroNetGAN;

/// <summary>
/// The ranks of an <c>mpirun</c> job (MPI_COMM_WORLD) as an <see cref="ICommunicator"/>, with a watchdog that aborts the
/// whole job when a collective waits longer than its limit (a hung rank). A rank that dies is OpenMPI's to handle:
/// by default mpirun ends the others about 2 s after one exits abnormally. Started without mpirun, it is a group of one.
/// </summary>
/// <remarks>
/// MPI allows one initialisation per process: create one instance, use it from the thread that created it (the
/// training thread), dispose it at the end (MPI_Finalize). Also counts the time spent and bytes moved in all-reduces.
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    static int s_created;
    readonly CollectiveWatchdog? _watchdog;
    bool _disposed;

    MpiCommunicator(TimeSpan? watchdog)
    {
        Rank = MpiNative.Rank();
        Size = MpiNative.Size();
        LocalRank = EnvInt("OMPI_COMM_WORLD_LOCAL_RANK") ?? 0;
        LocalSize = EnvInt("OMPI_COMM_WORLD_LOCAL_SIZE") ?? 1;
        if (watchdog is { } limit && Size > 1) _watchdog = new CollectiveWatchdog(limit, OnHang);
    }

    /// <summary>
    /// Loads MPI, initialises it and returns this process's communicator. <paramref name="watchdog"/> is the longest a
    /// collective may wait before the job is aborted (null: no watchdog).
    /// </summary>
    /// <exception cref="MpiUnavailableException">MPI is not installed or not OpenMPI; the message says what to do.</exception>
    /// <exception cref="InvalidOperationException">MPI was already initialised in this process.</exception>
    public static MpiCommunicator Initialize(TimeSpan? watchdog)
    {
        MpiNative.Load();
        if (Interlocked.Exchange(ref s_created, 1) != 0 || MpiNative.Initialized())
            throw new InvalidOperationException("MPI can be initialised only once per process; reuse the first MpiCommunicator.");
        MpiNative.Init();
        return new MpiCommunicator(watchdog);
    }

    /// <summary>The MPI library that was loaded.</summary>
    public static string? LibraryName => MpiNative.LibraryName;

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>This rank's index among the ranks on its host (OpenMPI's OMPI_COMM_WORLD_LOCAL_RANK; 0 without it): picks its GPU.</summary>
    public int LocalRank { get; }

    /// <summary>Ranks on this host (OMPI_COMM_WORLD_LOCAL_SIZE; 1 without it): shares the host's cores.</summary>
    public int LocalSize { get; }

    /// <summary>The watchdog's limit, if one runs.</summary>
    public TimeSpan? WatchdogLimit => _watchdog?.Limit;

    /// <summary>Seconds spent in all-reduce calls so far (waiting for the slowest rank included).</summary>
    public double AllReduceSeconds { get; private set; }

    /// <summary>Bytes passed to all-reduce calls so far (this rank's buffer sizes, not wire traffic).</summary>
    public long AllReduceBytes { get; private set; }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        if (Size == 1 || values.IsEmpty) return;
        long t0 = Stopwatch.GetTimestamp();
        _watchdog?.Enter($"all-reduce of {values.Length:N0} floats");
        try
        {
            fixed (float* p = values) MpiNative.AllreduceSum(p, values.Length);
        }
        finally { _watchdog?.Exit(); }
        AllReduceSeconds += Stopwatch.GetElapsedTime(t0).TotalSeconds;
        AllReduceBytes += values.Length * sizeof(float);
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> data, int root)
    {
        if (Size == 1 || data.IsEmpty) return;
        _watchdog?.Enter($"broadcast of {data.Length:N0} bytes");
        try
        {
            fixed (byte* p = data) MpiNative.Bcast(p, data.Length, root);
        }
        finally { _watchdog?.Exit(); }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        if (Size == 1) return;
        _watchdog?.Enter("barrier");
        try { MpiNative.Barrier(); }
        finally { _watchdog?.Exit(); }
    }

    /// <summary>Prints <paramref name="message"/> and ends every rank of the job with exit code <paramref name="code"/>.</summary>
    public void Abort(string message, int code = 3)
    {
        Console.Error.WriteLine($"rank {Rank}: {message}");
        Console.Error.Flush();
        // MPI_Abort tells mpirun to end the job; should it hang on a broken runtime, leave anyway.
        var fallback = new Thread(() => { Thread.Sleep(TimeSpan.FromSeconds(15)); Exit(code); }) { IsBackground = true };
        fallback.Start();
        MpiNative.Abort(code);
        Exit(code);
    }

    void OnHang(string what) =>
        Abort($"{what}. Aborting the whole job; the run continues from its last checkpoint with the same command plus --resume.");

    [DllImport("libc", EntryPoint = "_exit")]
    static extern void Exit(int code);

    static int? EnvInt(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : null;

    /// <summary>Stops the watchdog and finalises MPI (which waits for the other ranks to finalise too).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _watchdog?.Dispose();
        if (!MpiNative.Finalized()) MpiNative.Shutdown();
    }
}
