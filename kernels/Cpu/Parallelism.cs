using System.Collections.Concurrent;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Splits a range of work across cores, staying on the calling thread when the range is small.</summary>
public static class Par
{
    /// <summary>Elementwise work below this many elements is not worth a thread hand-off.</summary>
    public const int ElementGrain = 1 << 16;

    /// <summary>One worker pool per thread count.</summary>
    [ProcessWideCache("Worker threads are costly and a pool serves one loop at a time anyway, so every backend with the same thread count shares one; it holds no setting.")]
    static readonly ConcurrentDictionary<int, WorkerPool> s_pools = new();

    static WorkerPool Pool(int threads) => s_pools.GetOrAdd(threads, t => new WorkerPool(t - 1));

    /// <summary>
    /// body(i) for i in [from, to) on <see cref="CpuKernelOptions.Threads"/> threads: the calling thread and the
    /// kernel worker pool, or Parallel.For while another thread's loop holds the pool; serial inside the body of a pool loop.
    /// </summary>
    public static void Loop(CpuKernelOptions o, int from, int to, Action<int> body)
    {
        int threads = o.Threads;
        if (threads == 1 || to - from == 1) { for (int i = from; i < to; i++) body(i); return; }
        if (o.UsePool && Pool(threads).TryRun(from, to, body)) return;
        Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>Calls body(start, end) over [0, n) in contiguous chunks of at least <paramref name="grain"/> items.</summary>
    public static void For(CpuKernelOptions o, long n, long grain, Action<long, long> body)
    {
        if (n <= 0) return;
        long chunks = Math.Min(o.Threads * 4L, (n + grain - 1) / Math.Max(1, grain));
        if (chunks <= 1) { body(0, n); return; }
        long size = (n + chunks - 1) / chunks;
        Loop(o, 0, (int)chunks, c =>
        {
            long s = c * size, e = Math.Min(n, s + size);
            if (s < e) body(s, e);
        });
    }

    /// <summary>Calls body(i) for each i in [0, n), in parallel when n &gt; 1.</summary>
    public static void Each(CpuKernelOptions o, int n, Action<int> body)
    {
        if (n == 1) body(0);
        else if (n > 1) Loop(o, 0, n, body);
    }
}
