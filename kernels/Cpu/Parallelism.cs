namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Splits a range of work across cores, staying on the calling thread when the range is small.</summary>
public static class Par
{
    /// <summary>Elementwise work below this many elements is not worth a thread hand-off.</summary>
    public const int ElementGrain = 1 << 16;

    static ParallelOptions s_options = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    static WorkerPool? s_pool;

    /// <summary>Threads the CPU kernels use (default: all cores; CORONETGAN_CPU_THREADS overrides).</summary>
    public static int Threads
    {
        get => s_options.MaxDegreeOfParallelism;
        set
        {
            s_options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, value) };
            Interlocked.Exchange(ref s_pool, null)?.Dispose();
        }
    }

    /// <summary>Whether loops go to the dedicated <see cref="WorkerPool"/> rather than Parallel.For (benchmarks switch it).</summary>
    internal static volatile bool UsePool = true;

    static WorkerPool Pool
    {
        get
        {
            if (s_pool is { } pool) return pool;
            var created = new WorkerPool(Threads - 1);
            if (Interlocked.CompareExchange(ref s_pool, created, null) is { } other) { created.Dispose(); return other; }
            return created;
        }
    }

    static Par()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("CORONETGAN_CPU_THREADS"), out int t) && t > 0) Threads = t;
    }

    /// <summary>
    /// body(i) for i in [from, to) on <see cref="Threads"/> threads: the calling thread and the kernel worker pool,
    /// or Parallel.For while another thread's loop holds the pool; serial inside the body of a pool loop.
    /// </summary>
    public static void Loop(int from, int to, Action<int> body)
    {
        if (Threads == 1 || to - from == 1) { for (int i = from; i < to; i++) body(i); return; }
        if (UsePool && Pool.TryRun(from, to, body)) return;
        Parallel.For(from, to, s_options, body);
    }

    /// <summary>Calls body(start, end) over [0, n) in contiguous chunks of at least <paramref name="grain"/> items.</summary>
    public static void For(long n, long grain, Action<long, long> body)
    {
        if (n <= 0) return;
        long chunks = Math.Min(Threads * 4L, (n + grain - 1) / Math.Max(1, grain));
        if (chunks <= 1) { body(0, n); return; }
        long size = (n + chunks - 1) / chunks;
        Loop(0, (int)chunks, c =>
        {
            long s = c * size, e = Math.Min(n, s + size);
            if (s < e) body(s, e);
        });
    }

    /// <summary>Calls body(i) for each i in [0, n), in parallel when n &gt; 1.</summary>
    public static void Each(int n, Action<int> body)
    {
        if (n == 1) body(0);
        else if (n > 1) Loop(0, n, body);
    }
}
