using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Elementwise kernels. Every kernel is launched over min(n, a device-sized cap) threads and strides by the
/// launch size, so one launch covers any n without a group per 16 elements on the CPU accelerator.
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>y[i] = value.</summary>
    public static void Fill(Index1D t, ArrayView<float> y, float value, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = value;
    }

    /// <summary>y[i] = x[i].</summary>
    public static void Copy(Index1D t, ArrayView<float> x, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = x[i];
    }

    /// <summary>y[i] = a[i] + b[i].</summary>
    public static void Add(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = a[i] + b[i];
    }

    /// <summary>y[i] = a[i] * b[i].</summary>
    public static void Mul(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = a[i] * b[i];
    }

    /// <summary>y[i] = s * x[i].</summary>
    public static void Scale(Index1D t, ArrayView<float> x, float s, ArrayView<float> y, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = s * x[i];
    }

    /// <summary>y[i] = s[0] * x[i].</summary>
    public static void ScaleBy(Index1D t, ArrayView<float> x, ArrayView<float> s, ArrayView<float> y, int n, int stride)
    {
        // One load of the device scalar per thread, not per element.
        float factor = s[0];
        for (int i = t; i < n; i += stride) y[i] = factor * x[i];
    }

    /// <summary>
    /// Inverted dropout: mask[i] = U(seed, i) &gt;= p ? keepScale : 0 and y = x * mask, where keepScale = 1/(1-p)
    /// is computed by the caller so every backend rounds it the same way.
    /// </summary>
    public static void Dropout(Index1D t, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask,
        float p, float keepScale, uint seed, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float m = RandomHash.Uniform(seed, (uint)i) >= p ? keepScale : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }
}
