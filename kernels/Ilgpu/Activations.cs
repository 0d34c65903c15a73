using ILGPU;
using ILGPU.Algorithms;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>Pointwise activations, forward and backward (grid-stride like <see cref="ElementwiseKernels"/>).</summary>
public static class ActivationKernels
{
    /// <summary>y = max(x, 0).</summary>
    public static void ReluForward(Index1D t, ArrayView<float> x, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float v = x[i];
            y[i] = v > 0f ? v : 0f;
        }
    }

    /// <summary>dx = x &gt; 0 ? dy : 0.</summary>
    public static void ReluBackward(Index1D t, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, int n, int stride)
    {
        for (int i = t; i < n; i += stride) dx[i] = x[i] > 0f ? dy[i] : 0f;
    }

    /// <summary>y = x &gt; 0 ? x : slope * x.</summary>
    public static void LeakyReluForward(Index1D t, ArrayView<float> x, ArrayView<float> y, float slope, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float v = x[i];
            y[i] = v > 0f ? v : slope * v;
        }
    }

    /// <summary>dx = x &gt; 0 ? dy : slope * dy.</summary>
    public static void LeakyReluBackward(Index1D t, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx,
        float slope, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float g = dy[i];
            dx[i] = x[i] > 0f ? g : slope * g;
        }
    }

    /// <summary>y = tanh(x).</summary>
    public static void TanhForward(Index1D t, ArrayView<float> x, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = XMath.Tanh(x[i]);
    }

    /// <summary>dx = dy * (1 - y^2).</summary>
    public static void TanhBackward(Index1D t, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float v = y[i];
            dx[i] = dy[i] * (1f - v * v);
        }
    }
}
