namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Reflection padding (PyTorch ReflectionPad2d: the edge row/column is not repeated), forward and backward.</summary>
public static unsafe class Padding
{
    /// <summary>Source index of padded coordinate i in [0, n + 2 pad) for a reflected axis of length n.</summary>
    public static int Reflect(int i, int n, int pad)
    {
        int s = i - pad;
        if (s < 0) s = -s;
        if (s >= n) s = 2 * (n - 1) - s;
        return s;
    }

    /// <summary>y[p] = x[p] reflected by pad on each side of every [h, w] plane.</summary>
    public static void ReflectionForward(CpuKernelOptions o, float* x, float* y, int planes, int h, int w, int pad)
    {
        int ph = h + 2 * pad, pw = w + 2 * pad;
        Par.For(o, planes, Math.Max(1, Par.ElementGrain / (ph * pw)), (s, e) =>
        {
            for (long p = s; p < e; p++)
            {
                float* src = x + p * h * w;
                float* dst = y + p * ph * pw;
                for (int i = 0; i < ph; i++)
                {
                    float* row = src + (long)Reflect(i, h, pad) * w;
                    float* d = dst + (long)i * pw;
                    for (int j = 0; j < pad; j++) d[j] = row[pad - j];
                    new ReadOnlySpan<float>(row, w).CopyTo(new Span<float>(d + pad, w));
                    for (int j = 0; j < pad; j++) d[pad + w + j] = row[w - 2 - j];
                }
            }
        });
    }

    /// <summary>dx = the sum of the dy elements each x element was copied to.</summary>
    public static void ReflectionBackward(CpuKernelOptions o, float* dy, float* dx, int planes, int h, int w, int pad)
    {
        int ph = h + 2 * pad, pw = w + 2 * pad;
        Par.For(o, planes, Math.Max(1, Par.ElementGrain / (ph * pw)), (s, e) =>
        {
            for (long p = s; p < e; p++)
            {
                float* src = dy + p * ph * pw;
                float* dst = dx + p * h * w;
                new Span<float>(dst, h * w).Clear();
                for (int i = 0; i < ph; i++)
                {
                    float* row = dst + (long)Reflect(i, h, pad) * w;
                    float* g = src + (long)i * pw;
                    for (int j = 0; j < pw; j++) row[Reflect(j, w, pad)] += g[j];
                }
            }
        });
    }
}
