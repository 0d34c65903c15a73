using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Per-channel kernels on NCHW tensors. Elementwise ones are grid-stride over n = batch*channels*plane;
/// the reductions over (batch, plane) run one thread per channel so no atomics are needed.
/// </summary>
public static class ChannelKernels
{
    /// <summary>y[n,c,:] = x[n,c,:] + b[c].</summary>
    public static void BiasAdd(Index1D t, ArrayView<float> x, ArrayView<float> b, ArrayView<float> y,
        int channels, int plane, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = x[i] + b[i / plane % channels];
    }

    /// <summary>db[c] = sum over batch and plane of dy[n,c,:]; one thread per channel.</summary>
    public static void Sum(Index1D c, ArrayView<float> dy, ArrayView<float> db, int batch, int channels, int plane)
    {
        var acc = new BlockSum();
        for (int b = 0; b < batch; b++)
        {
            int off = (b * channels + c) * plane;
            for (int j = 0; j < plane; j++) acc.Add(dy[off + j]);
        }
        db[c] = acc.Value;
    }

    /// <summary>y[n,c,:] = x[n,c,:] * m[c].</summary>
    public static void MaskForward(Index1D t, ArrayView<float> x, ArrayView<float> m, ArrayView<float> y,
        int channels, int plane, int n, int stride)
    {
        for (int i = t; i < n; i += stride) y[i] = x[i] * m[i / plane % channels];
    }

    /// <summary>dm[c] = sum over batch and plane of dy * x; one thread per channel.</summary>
    public static void MaskGrad(Index1D c, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dm,
        int batch, int channels, int plane)
    {
        var acc = new BlockSum();
        for (int b = 0; b < batch; b++)
        {
            int off = (b * channels + c) * plane;
            for (int j = 0; j < plane; j++) acc.Add(dy[off + j] * x[off + j]);
        }
        dm[c] = acc.Value;
    }

    /// <summary>y[n] = concat(a[n], b[n]) along channels; grid-stride over y (n = batch*(ca+cb)*plane).</summary>
    public static void Concat(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y,
        int caPlane, int cbPlane, int n, int stride)
    {
        int per = caPlane + cbPlane;
        for (int i = t; i < n; i += stride)
        {
            int img = i / per, r = i - img * per;
            y[i] = r < caPlane ? a[img * caPlane + r] : b[img * cbPlane + r - caPlane];
        }
    }

    /// <summary>
    /// da and db = the channel slices of dy; grid-stride over dy. writeA / writeB are 0 when the caller passed
    /// a dummy view for an absent gradient.
    /// </summary>
    public static void Split(Index1D t, ArrayView<float> dy, ArrayView<float> da, ArrayView<float> db,
        int caPlane, int cbPlane, int writeA, int writeB, int n, int stride)
    {
        int per = caPlane + cbPlane;
        for (int i = t; i < n; i += stride)
        {
            int img = i / per, r = i - img * per;
            if (r < caPlane)
            {
                if (writeA != 0) da[img * caPlane + r] = dy[i];
            }
            else if (writeB != 0)
            {
                db[img * cbPlane + r - caPlane] = dy[i];
            }
        }
    }
}
