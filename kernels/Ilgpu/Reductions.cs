using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Two-pass sums without atomics: <see cref="Partials"/> has each thread sum one contiguous chunk of terms into
/// partials[t]; <see cref="Finish"/> runs on a single thread and writes sum(partials) / divisor to y[0].
/// The term is chosen by an op code from <see cref="LossKernels"/> (plain value, |a-b|, (a-b)^2, BCE).
/// </summary>
public static class ReductionKernels
{
    /// <summary>partials[t] = sum of term(op, a[i], b[i]) for i in [t*chunk, min(n, (t+1)*chunk)).</summary>
    public static void Partials(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> partials,
        int op, int n, int chunk)
    {
        int start = t * chunk;
        int end = n - start < chunk ? n : start + chunk;
        var acc = new BlockSum();
        for (int i = start; i < end; i++) acc.Add(LossKernels.Term(op, a[i], b[i]));
        partials[t] = acc.Value;
    }

    /// <summary>y[0] = sum(partials[0..parts)) / divisor; launch with one thread.</summary>
    public static void Finish(Index1D t, ArrayView<float> partials, ArrayView<float> y, int parts, float divisor)
    {
        var acc = new BlockSum();
        for (int i = 0; i < parts; i++) acc.Add(partials[i]);
        y[0] = acc.Value / divisor;
    }

    /// <summary>dx[i] = dy[0] / n.</summary>
    public static void MeanBackward(Index1D t, ArrayView<float> dy, ArrayView<float> dx, int n, int stride)
    {
        float g = dy[0] / n;
        for (int i = t; i < n; i += stride) dx[i] = g;
    }
}
