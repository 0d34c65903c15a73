using ILGPU;
using ILGPU.Algorithms;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Layout of a normalisation: statistic group s covers <see cref="Segments"/> runs of <see cref="Plane"/>
/// floats starting at s * Plane and spaced <see cref="SegmentStride"/> apart. Instance norm: groups = N*C,
/// one segment. Batch norm: groups = C, N segments spaced C*Plane apart. gamma/beta are indexed by s % Channels.
/// </summary>
public readonly struct NormShape
{
    /// <summary>Number of statistic groups.</summary>
    public readonly int Groups;
    /// <summary>Channels C.</summary>
    public readonly int Channels;
    /// <summary>Runs of Plane floats per group.</summary>
    public readonly int Segments;
    /// <summary>Distance between consecutive runs of one group.</summary>
    public readonly int SegmentStride;
    /// <summary>H*W.</summary>
    public readonly int Plane;
    /// <summary>Added to the variance before the square root.</summary>
    public readonly float Eps;
    /// <summary>Weight of the batch statistic in the running-statistics update.</summary>
    public readonly float Momentum;
    /// <summary>Combination of <see cref="KernelFlags"/> bits.</summary>
    public readonly int Flags;

    /// <summary>Creates a shape.</summary>
    public NormShape(int groups, int channels, int segments, int segmentStride, int plane, float eps, float momentum, int flags)
    {
        Groups = groups;
        Channels = channels;
        Segments = segments;
        SegmentStride = segmentStride;
        Plane = plane;
        Eps = eps;
        Momentum = momentum;
        Flags = flags;
    }

    /// <summary>Shape of instance norm over [batch, channels, plane].</summary>
    public static NormShape Instance(int batch, int channels, int plane, float eps, int flags) =>
        new(batch * channels, channels, 1, plane, plane, eps, 0f, flags);

    /// <summary>Shape of batch norm over [batch, channels, plane].</summary>
    public static NormShape Batch(int batch, int channels, int plane, float eps, float momentum, int flags) =>
        new(channels, channels, batch, channels * plane, plane, eps, momentum, flags);
}

/// <summary>
/// Instance and batch normalisation. Statistics and backward passes run one thread per group (an (n, c)
/// plane for instance norm, a channel for batch norm), so every sum is sequential and needs no atomics; the
/// forward normalisation itself is a separate elementwise kernel so it uses the whole device.
/// </summary>
public static class NormKernels
{
    /// <summary>
    /// mean[s] and rstd[s] = 1/sqrt(biased var + eps) of group s (two passes, so no cancellation). With the
    /// Running flag, runningMean/runningVar[s] move towards the batch mean and the unbiased variance
    /// (count/(count-1), count = Segments*Plane; a group of one element keeps the biased value, 0).
    /// </summary>
    public static void Stats(Index1D t, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> runningMean, ArrayView<float> runningVar, NormShape sh, int stride)
    {
        int count = sh.Segments * sh.Plane;
        for (int s = t; s < sh.Groups; s += stride)
        {
            var sum = new BlockSum();
            for (int k = 0; k < sh.Segments; k++)
            {
                int off = s * sh.Plane + k * sh.SegmentStride;
                for (int j = 0; j < sh.Plane; j++) sum.Add(x[off + j]);
            }
            float m = sum.Value / count;
            var sq = new BlockSum();
            for (int k = 0; k < sh.Segments; k++)
            {
                int off = s * sh.Plane + k * sh.SegmentStride;
                for (int j = 0; j < sh.Plane; j++)
                {
                    float d = x[off + j] - m;
                    sq.Add(d * d);
                }
            }
            float var = sq.Value / count;
            mean[s] = m;
            rstd[s] = 1f / XMath.Sqrt(var + sh.Eps);
            if ((sh.Flags & KernelFlags.Running) != 0)
            {
                float unbiased = count > 1 ? var * ((float)count / (count - 1)) : var;
                runningMean[s] = (1f - sh.Momentum) * runningMean[s] + sh.Momentum * m;
                runningVar[s] = (1f - sh.Momentum) * runningVar[s] + sh.Momentum * unbiased;
            }
        }
    }

    /// <summary>
    /// y = (x - mean[s]) * rstd[s] * gamma[c] + beta[c], elementwise over n = batch*channels*plane; s is the
    /// (n, c) plane index when perImage != 0 (instance norm) and the channel otherwise (batch norm).
    /// </summary>
    public static void Apply(Index1D t, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> y, NormShape sh, int perImage, int n, int stride)
    {
        bool hasGamma = (sh.Flags & KernelFlags.Gamma) != 0, hasBeta = (sh.Flags & KernelFlags.Beta) != 0;
        for (int i = t; i < n; i += stride)
        {
            int plane = i / sh.Plane;
            int c = plane % sh.Channels;
            int s = perImage != 0 ? plane : c;
            float v = (x[i] - mean[s]) * rstd[s];
            if (hasGamma) v *= gamma[c];
            if (hasBeta) v += beta[c];
            y[i] = v;
        }
    }

    /// <summary>
    /// Backward through the group statistics, one thread per group:
    /// dx = gamma * rstd * (dy - sum(dy)/count - xhat * sum(dy * xhat)/count), xhat = (x - mean) * rstd.
    /// With the DGamma / DBeta flags the group's sum(dy * xhat) / sum(dy) are written to dgamma/dbeta[s]
    /// (batch norm, where group = channel; instance norm uses <see cref="InstanceParamGrad"/> instead).
    /// </summary>
    public static void Backward(Index1D t, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> mean,
        ArrayView<float> rstd, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dgamma, ArrayView<float> dbeta,
        NormShape sh, int stride)
    {
        int count = sh.Segments * sh.Plane;
        for (int s = t; s < sh.Groups; s += stride)
        {
            float m = mean[s], rs = rstd[s];
            var sdy = new BlockSum();
            var sdyx = new BlockSum();
            for (int k = 0; k < sh.Segments; k++)
            {
                int off = s * sh.Plane + k * sh.SegmentStride;
                for (int j = 0; j < sh.Plane; j++)
                {
                    float g = dy[off + j];
                    sdy.Add(g);
                    sdyx.Add(g * (x[off + j] - m) * rs);
                }
            }
            float sumDy = sdy.Value, sumDyX = sdyx.Value;
            float ga = (sh.Flags & KernelFlags.Gamma) != 0 ? gamma[s % sh.Channels] : 1f;
            float k1 = sumDy / count, k2 = sumDyX / count, scale = ga * rs;
            for (int k = 0; k < sh.Segments; k++)
            {
                int off = s * sh.Plane + k * sh.SegmentStride;
                for (int j = 0; j < sh.Plane; j++)
                {
                    float xhat = (x[off + j] - m) * rs;
                    dx[off + j] = scale * (dy[off + j] - k1 - xhat * k2);
                }
            }
            if ((sh.Flags & KernelFlags.DGamma) != 0) dgamma[s] = sumDyX;
            if ((sh.Flags & KernelFlags.DBeta) != 0) dbeta[s] = sumDy;
        }
    }

    /// <summary>
    /// Instance norm's dgamma[c] = sum over n and the plane of dy * xhat and dbeta[c] = sum of dy, one thread
    /// per channel (xhat recomputed from the saved per-plane mean and rstd).
    /// </summary>
    public static void InstanceParamGrad(Index1D c, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> dy, ArrayView<float> dgamma, ArrayView<float> dbeta, int batch, int channels, int plane, int flags)
    {
        var sdy = new BlockSum();
        var sdyx = new BlockSum();
        for (int b = 0; b < batch; b++)
        {
            int s = b * channels + c;
            float m = mean[s], rs = rstd[s];
            int off = s * plane;
            for (int j = 0; j < plane; j++)
            {
                float g = dy[off + j];
                sdy.Add(g);
                sdyx.Add(g * (x[off + j] - m) * rs);
            }
        }
        if ((flags & KernelFlags.DGamma) != 0) dgamma[c] = sdyx.Value;
        if ((flags & KernelFlags.DBeta) != 0) dbeta[c] = sdy.Value;
    }

    /// <summary>Batch norm eval: y = (x - runningMean[c]) / sqrt(runningVar[c] + eps) * gamma[c] + beta[c], elementwise.</summary>
    public static void EvalForward(Index1D t, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, NormShape sh, int n, int stride)
    {
        bool hasGamma = (sh.Flags & KernelFlags.Gamma) != 0, hasBeta = (sh.Flags & KernelFlags.Beta) != 0;
        for (int i = t; i < n; i += stride)
        {
            int c = i / sh.Plane % sh.Channels;
            float v = (x[i] - runningMean[c]) * (1f / XMath.Sqrt(runningVar[c] + sh.Eps));
            if (hasGamma) v *= gamma[c];
            if (hasBeta) v += beta[c];
            y[i] = v;
        }
    }

    /// <summary>Batch norm eval backward: dx = dy * gamma[c] / sqrt(runningVar[c] + eps), elementwise.</summary>
    public static void EvalBackward(Index1D t, ArrayView<float> gamma, ArrayView<float> runningVar,
        ArrayView<float> dy, ArrayView<float> dx, NormShape sh, int n, int stride)
    {
        bool hasGamma = (sh.Flags & KernelFlags.Gamma) != 0;
        for (int i = t; i < n; i += stride)
        {
            int c = i / sh.Plane % sh.Channels;
            float s = 1f / XMath.Sqrt(runningVar[c] + sh.Eps);
            if (hasGamma) s *= gamma[c];
            dx[i] = dy[i] * s;
        }
    }

    /// <summary>
    /// Batch norm eval: dgamma[c] = sum of dy * (x - runningMean[c]) / sqrt(runningVar[c] + eps), dbeta[c] = sum
    /// of dy over batch and plane; one thread per channel.
    /// </summary>
    public static void EvalParamGrad(Index1D c, ArrayView<float> x, ArrayView<float> runningMean, ArrayView<float> runningVar,
        ArrayView<float> dy, ArrayView<float> dgamma, ArrayView<float> dbeta, NormShape sh)
    {
        float m = runningMean[c];
        float rs = 1f / XMath.Sqrt(runningVar[c] + sh.Eps);
        var sdy = new BlockSum();
        var sdyx = new BlockSum();
        for (int k = 0; k < sh.Segments; k++)
        {
            int off = c * sh.Plane + k * sh.SegmentStride;
            for (int j = 0; j < sh.Plane; j++)
            {
                float g = dy[off + j];
                sdy.Add(g);
                sdyx.Add(g * (x[off + j] - m) * rs);
            }
        }
        if ((sh.Flags & KernelFlags.DGamma) != 0) dgamma[c] = sdyx.Value;
        if ((sh.Flags & KernelFlags.DBeta) != 0) dbeta[c] = sdy.Value;
    }
}
