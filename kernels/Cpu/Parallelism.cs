namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Splits a range of work across cores, staying on the calling thread when the range is small.</summary>
internal static class Par
{
    /// <summary>Elementwise work below this many elements is not worth a thread hand-off.</summary>
    public const int ElementGrain = 1 << 16;

    /// <summary>Calls body(start, end) over [0, n) in contiguous chunks of at least <paramref name="grain"/> items.</summary>
    public static void For(long n, long grain, Action<long, long> body)
    {
        if (n <= 0) return;
        long chunks = Math.Min(Environment.ProcessorCount * 4L, (n + grain - 1) / Math.Max(1, grain));
        if (chunks <= 1) { body(0, n); return; }
        long size = (n + chunks - 1) / chunks;
        Parallel.For(0, (int)chunks, c =>
        {
            long s = c * size, e = Math.Min(n, s + size);
            if (s < e) body(s, e);
        });
    }

    /// <summary>Calls body(i) for each i in [0, n), in parallel when n &gt; 1.</summary>
    public static void Each(int n, Action<int> body)
    {
        if (n == 1) body(0);
        else if (n > 1) Parallel.For(0, n, body);
    }
}
