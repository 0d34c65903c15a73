using System.Numerics;
using System.Numerics.Tensors;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>ReLU, LeakyReLU and tanh, forward and backward, on the CPU.</summary>
/// <remarks>
/// The sign tests run as vector compares and selects: as scalar branches on data whose sign is a coin flip, ReLU's
/// backward alone cost a CycleGAN step more than any other elementwise op (branch mispredictions; bench/README.md).
/// </remarks>
public static unsafe class Activations
{
    /// <summary>y = max(x, 0).</summary>
    public static void ReluForward(CpuKernelOptions o, float* x, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => TensorPrimitives.Max(Elementwise.Span(x, s, e), 0f, Elementwise.Out(y, s, e)));

    /// <summary>dx = x &gt; 0 ? dy : 0.</summary>
    public static void ReluBackward(CpuKernelOptions o, float* x, float* dy, float* dx, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => Select(x, dy, dx, s, e, 0f));  // slope 0: exact zeros, even for infinite dy

    /// <summary>y = x &gt; 0 ? x : slope x.</summary>
    public static void LeakyReluForward(CpuKernelOptions o, float* x, float* y, long n, float slope) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => Select(x, x, y, s, e, slope));

    /// <summary>dx = x &gt; 0 ? dy : slope dy.</summary>
    public static void LeakyReluBackward(CpuKernelOptions o, float* x, float* dy, float* dx, long n, float slope) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => Select(x, dy, dx, s, e, slope));

    /// <summary>y = tanh(x).</summary>
    public static void TanhForward(CpuKernelOptions o, float* x, float* y, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) => TensorPrimitives.Tanh(Elementwise.Span(x, s, e), Elementwise.Out(y, s, e)));

    /// <summary>dx = dy (1 - y^2), from the forward output.</summary>
    public static void TanhBackward(CpuKernelOptions o, float* y, float* dy, float* dx, long n) =>
        Par.For(o, n, Par.ElementGrain, (s, e) =>
        {
            long i = s;
            for (; i + Vector<float>.Count <= e; i += Vector<float>.Count)
            {
                var t = Vector.Load(y + i);
                (Vector.Load(dy + i) * (Vector<float>.One - t * t)).Store(dx + i);
            }
            for (; i < e; i++) { float t = y[i]; dx[i] = dy[i] * (1f - t * t); }
        });

    /// <summary>out[i] = x[i] &gt; 0 ? v[i] : slope v[i] for i in [s, e) (NaN in x selects the slope side, as the scalar form).</summary>
    static void Select(float* x, float* v, float* output, long s, long e, float slope)
    {
        long i = s;
        var k = new Vector<float>(slope);
        for (; i + Vector<float>.Count <= e; i += Vector<float>.Count)
        {
            var vi = Vector.Load(v + i);
            Vector.ConditionalSelect(Vector.GreaterThan(Vector.Load(x + i), Vector<float>.Zero), vi, slope == 0f ? Vector<float>.Zero : vi * k).Store(output + i);
        }
        for (; i < e; i++) output[i] = x[i] > 0f ? v[i] : slope == 0f ? 0f : slope * v[i];
    }
}
