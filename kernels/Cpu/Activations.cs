using System.Numerics.Tensors;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>ReLU, LeakyReLU and tanh, forward and backward, on the CPU.</summary>
public static unsafe class Activations
{
    /// <summary>y = max(x, 0).</summary>
    public static void ReluForward(float* x, float* y, long n) =>
        Par.For(n, Par.ElementGrain, (s, e) => TensorPrimitives.Max(Elementwise.Span(x, s, e), 0f, Elementwise.Out(y, s, e)));

    /// <summary>dx = x &gt; 0 ? dy : 0.</summary>
    public static void ReluBackward(float* x, float* dy, float* dx, long n) =>
        Par.For(n, Par.ElementGrain, (s, e) => { for (long i = s; i < e; i++) dx[i] = x[i] > 0f ? dy[i] : 0f; });

    /// <summary>y = x &gt; 0 ? x : slope x.</summary>
    public static void LeakyReluForward(float* x, float* y, long n, float slope) =>
        Par.For(n, Par.ElementGrain, (s, e) => { for (long i = s; i < e; i++) { float v = x[i]; y[i] = v > 0f ? v : slope * v; } });

    /// <summary>dx = x &gt; 0 ? dy : slope dy.</summary>
    public static void LeakyReluBackward(float* x, float* dy, float* dx, long n, float slope) =>
        Par.For(n, Par.ElementGrain, (s, e) => { for (long i = s; i < e; i++) dx[i] = x[i] > 0f ? dy[i] : slope * dy[i]; });

    /// <summary>y = tanh(x).</summary>
    public static void TanhForward(float* x, float* y, long n) =>
        Par.For(n, Par.ElementGrain, (s, e) => TensorPrimitives.Tanh(Elementwise.Span(x, s, e), Elementwise.Out(y, s, e)));

    /// <summary>dx = dy (1 - y^2), from the forward output.</summary>
    public static void TanhBackward(float* y, float* dy, float* dx, long n) =>
        Par.For(n, Par.ElementGrain, (s, e) => { for (long i = s; i < e; i++) { float t = y[i]; dx[i] = dy[i] * (1f - t * t); } });
}
