using System.Numerics.Tensors;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Elementwise arithmetic and dropout on the CPU (System.Numerics.Tensors, split across cores when large).</summary>
public static unsafe class Elementwise
{
    /// <summary>y = value.</summary>
    public static void Fill(CpuKernelOptions o, float* y, long n, float value) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => new Span<float>(y + s, (int)(e - s)).Fill(value));

    /// <summary>y = x.</summary>
    public static void Copy(CpuKernelOptions o, float* x, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => new ReadOnlySpan<float>(x + s, (int)(e - s)).CopyTo(new Span<float>(y + s, (int)(e - s))));

    /// <summary>y = a + b.</summary>
    public static void Add(CpuKernelOptions o, float* a, float* b, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => TensorPrimitives.Add(Span(a, s, e), Span(b, s, e), Out(y, s, e)));

    /// <summary>y = a * b (also the backward pass of dropout: dx = dy * mask).</summary>
    public static void Mul(CpuKernelOptions o, float* a, float* b, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => TensorPrimitives.Multiply(Span(a, s, e), Span(b, s, e), Out(y, s, e)));

    /// <summary>y = s * x.</summary>
    public static void Scale(CpuKernelOptions o, float* x, float s, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (b, e) => TensorPrimitives.Multiply(Span(x, b, e), s, Out(y, b, e)));

    /// <summary>Inverted dropout with the counter-based mask of <see cref="RandomHash"/>; its backward is <see cref="Mul"/> by mask.</summary>
    public static void DropoutForward(CpuKernelOptions o, float* x, float* y, float* mask, long n, float p, uint seed)
    {
        float keep = p >= 1f ? 0f : 1f / (1f - p);
        Par.For(o, n, Par.ElementGrain, (s, e) =>
        {
            for (long i = s; i < e; i++)
            {
                float m = RandomHash.Uniform(seed, (uint)i) >= p ? keep : 0f;
                mask[i] = m;
                y[i] = x[i] * m;
            }
        });
    }

    internal static ReadOnlySpan<float> Span(float* p, long s, long e) => new(p + s, (int)(e - s));
    internal static Span<float> Out(float* p, long s, long e) => new(p + s, (int)(e - s));
}
