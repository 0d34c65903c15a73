using System.Numerics.Tensors;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Per-channel bias and mask, channel concatenation, and their gradients, on NCHW data.</summary>
public static unsafe class Channels
{
    /// <summary>y[n,c,:] = x[n,c,:] + b[c].</summary>
    public static void BiasAdd(CpuKernelOptions o, float* x, float* b, float* y, int batch, int channels, int plane) =>
        Par.For(o, (long)batch * channels, Math.Max(1, Par.ElementGrain / Math.Max(1, plane)), (s, e) =>
        {
            for (long i = s; i < e; i++)
                TensorPrimitives.Add(Elementwise.Span(x, i * plane, (i + 1) * plane), b[i % channels], Elementwise.Out(y, i * plane, (i + 1) * plane));
        });

    /// <summary>db[c] = sum of dy[n,c,:] over n and the plane.</summary>
    public static void Sum(CpuKernelOptions o, float* dy, float* db, int batch, int channels, int plane) =>
        Par.Each(o, channels, c =>
        {
            double acc = 0;
            for (int n = 0; n < batch; n++)
                acc += TensorPrimitives.Sum(new ReadOnlySpan<float>(dy + ((long)n * channels + c) * plane, plane));
            db[c] = (float)acc;
        });

    /// <summary>y[n,c,:] = x[n,c,:] * m[c].</summary>
    public static void MaskForward(CpuKernelOptions o, float* x, float* m, float* y, int batch, int channels, int plane) =>
        Par.For(o, (long)batch * channels, Math.Max(1, Par.ElementGrain / Math.Max(1, plane)), (s, e) =>
        {
            for (long i = s; i < e; i++)
                TensorPrimitives.Multiply(Elementwise.Span(x, i * plane, (i + 1) * plane), m[i % channels], Elementwise.Out(y, i * plane, (i + 1) * plane));
        });

    /// <summary>dx = dy * m[c]; dm[c] = sum of dy * x over n and the plane (skipped when dm is null).</summary>
    public static void MaskBackward(CpuKernelOptions o, float* x, float* m, float* dy, float* dx, float* dm, int batch, int channels, int plane)
    {
        MaskForward(o, dy, m, dx, batch, channels, plane);
        if (dm == null) return;
        Par.Each(o, channels, c =>
        {
            double acc = 0;
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                acc += TensorPrimitives.Dot(new ReadOnlySpan<float>(dy + o, plane), new ReadOnlySpan<float>(x + o, plane));
            }
            dm[c] = (float)acc;
        });
    }

    /// <summary>y[n] = [a[n]; b[n]] along channels.</summary>
    public static void Concat(CpuKernelOptions o, float* a, float* b, float* y, int batch, int ca, int cb, int plane)
    {
        long la = (long)ca * plane, lb = (long)cb * plane;
        for (int n = 0; n < batch; n++)
        {
            Elementwise.Copy(o, a + n * la, y + n * (la + lb), la);
            Elementwise.Copy(o, b + n * lb, y + n * (la + lb) + la, lb);
        }
    }

    /// <summary>da = dy[:, :ca], db = dy[:, ca:] (either may be null).</summary>
    public static void Split(CpuKernelOptions o, float* dy, float* da, float* db, int batch, int ca, int cb, int plane)
    {
        long la = (long)ca * plane, lb = (long)cb * plane;
        for (int n = 0; n < batch; n++)
        {
            if (da != null) Elementwise.Copy(o, dy + n * (la + lb), da + n * la, la);
            if (db != null) Elementwise.Copy(o, dy + n * (la + lb) + la, db + n * lb, lb);
        }
    }
}
