using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Instance and batch normalisation on the CPU, forward and backward. Statistics are accumulated in double so
/// that large planes (256x256) keep float32 accuracy; the variance is the biased one, as PyTorch normalises with.
/// </summary>
public static unsafe class Norms
{
    /// <summary>Instance norm: each [n,c] plane normalised by its own mean and variance, then gamma/beta (may be null).</summary>
    public static void InstanceForward(CpuKernelOptions o, float* x, float* gamma, float* beta, float* y, float* mean, float* rstd,
        int batch, int channels, int plane, float eps) =>
        Par.Each(o, batch * channels, i =>
        {
            int c = i % channels;
            float* xp = x + (long)i * plane;
            float* yp = y + (long)i * plane;
            (double mu, double var) = Moments(xp, plane);
            float m = (float)mu, r = (float)(1.0 / Math.Sqrt(var + eps));
            mean[i] = m; rstd[i] = r;
            float scale = gamma == null ? r : r * gamma[c];
            float shift = (beta == null ? 0f : beta[c]) - m * scale;
            Affine(xp, yp, plane, scale, shift);
        });

    /// <summary>Gradient of <see cref="InstanceForward"/>; dgamma/dbeta (per channel, summed over the batch) when not null.</summary>
    public static void InstanceBackward(CpuKernelOptions o, float* x, float* gamma, float* mean, float* rstd, float* dy, float* dx,
        float* dgamma, float* dbeta, int batch, int channels, int plane)
    {
        var sumDy = new double[batch * channels];
        var sumDyXhat = new double[batch * channels];
        Par.Each(o, batch * channels, i =>
        {
            int c = i % channels;
            long o = (long)i * plane;
            float g = gamma == null ? 1f : gamma[c];
            (sumDy[i], sumDyXhat[i]) = NormalizedBackward(x + o, dy + o, dx + o, plane, mean[i], rstd[i], g);
        });
        ReduceAffine(sumDy, sumDyXhat, dgamma, dbeta, batch, channels);
    }

    /// <summary>Batch norm, training mode: per-channel statistics over (n, plane); updates running stats when given.</summary>
    public static void BatchTrainForward(CpuKernelOptions o, float* x, float* gamma, float* beta, float* y, float* mean, float* rstd,
        float* runningMean, float* runningVar, int batch, int channels, int plane, float eps, float momentum) =>
        Par.Each(o, channels, c =>
        {
            double s = 0, ss = 0;
            for (int n = 0; n < batch; n++)
            {
                float* xp = x + ((long)n * channels + c) * plane;
                (double mu, double var) = Moments(xp, plane);
                s += mu * plane;
                ss += (var + mu * mu) * plane;
            }
            long count = (long)batch * plane;
            double bm = s / count, bv = Math.Max(0, ss / count - bm * bm);
            float m = (float)bm, r = (float)(1.0 / Math.Sqrt(bv + eps));
            mean[c] = m; rstd[c] = r;
            if (runningMean != null && runningVar != null)
            {
                double unbiased = count > 1 ? bv * count / (count - 1) : bv;
                runningMean[c] = (float)((1 - momentum) * runningMean[c] + momentum * bm);
                runningVar[c] = (float)((1 - momentum) * runningVar[c] + momentum * unbiased);
            }
            float scale = gamma == null ? r : r * gamma[c];
            float shift = (beta == null ? 0f : beta[c]) - m * scale;
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                Affine(x + o, y + o, plane, scale, shift);
            }
        });

    /// <summary>Gradient of <see cref="BatchTrainForward"/> through the batch statistics.</summary>
    public static void BatchTrainBackward(CpuKernelOptions o, float* x, float* gamma, float* mean, float* rstd, float* dy, float* dx,
        float* dgamma, float* dbeta, int batch, int channels, int plane) =>
        Par.Each(o, channels, c =>
        {
            float m = mean[c], r = rstd[c], g = gamma == null ? 1f : gamma[c];
            double sDy = 0, sDyX = 0;
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                for (int j = 0; j < plane; j++) { double d = dy[o + j]; sDy += d; sDyX += d * (x[o + j] - m) * r; }
            }
            long count = (long)batch * plane;
            float a = (float)(sDy / count), bq = (float)(sDyX / count);
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                for (int j = 0; j < plane; j++)
                {
                    float xh = (x[o + j] - m) * r;
                    dx[o + j] = g * r * (dy[o + j] - a - xh * bq);
                }
            }
            if (dgamma != null) dgamma[c] = (float)sDyX;
            if (dbeta != null) dbeta[c] = (float)sDy;
        });

    /// <summary>Batch norm, evaluation mode, with running statistics.</summary>
    public static void BatchEvalForward(CpuKernelOptions o, float* x, float* gamma, float* beta, float* runningMean, float* runningVar, float* y,
        int batch, int channels, int plane, float eps) =>
        Par.Each(o, channels, c =>
        {
            float r = (float)(1.0 / Math.Sqrt(runningVar[c] + (double)eps));
            float scale = gamma == null ? r : r * gamma[c];
            float shift = (beta == null ? 0f : beta[c]) - runningMean[c] * scale;
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                Affine(x + o, y + o, plane, scale, shift);
            }
        });

    /// <summary>Gradient of <see cref="BatchEvalForward"/>: the statistics are constants.</summary>
    public static void BatchEvalBackward(CpuKernelOptions o, float* x, float* gamma, float* runningMean, float* runningVar, float* dy, float* dx,
        float* dgamma, float* dbeta, int batch, int channels, int plane, float eps) =>
        Par.Each(o, channels, c =>
        {
            float r = (float)(1.0 / Math.Sqrt(runningVar[c] + (double)eps));
            float m = runningMean[c], scale = gamma == null ? r : r * gamma[c];
            double sDy = 0, sDyX = 0;
            for (int n = 0; n < batch; n++)
            {
                long o = ((long)n * channels + c) * plane;
                for (int j = 0; j < plane; j++)
                {
                    float d = dy[o + j];
                    dx[o + j] = d * scale;
                    sDy += d; sDyX += d * (x[o + j] - m) * r;
                }
            }
            if (dgamma != null) dgamma[c] = (float)sDyX;
            if (dbeta != null) dbeta[c] = (float)sDy;
        });

    /// <summary>
    /// Mean and biased variance of p[0..n), in double. One pass over sums shifted by the first value (so a large mean
    /// does not cancel the variance away), vectorized with independent accumulators: the plain two-pass scalar loop
    /// was latency-bound on its double adds and cost more than the convolutions around it at 256x256.
    /// </summary>
    internal static (double Mean, double Var) Moments(float* p, int n)
    {
        double k = p[0];
        int j = 0;
        double s = 0, ss = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            var kv = Vector256.Create(k);
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<double> q0 = default, q1 = default, q2 = default, q3 = default;
            for (; j + 16 <= n; j += 16)
            {
                var (a0, a1) = Vector256.Widen(Vector256.Load(p + j));
                var (a2, a3) = Vector256.Widen(Vector256.Load(p + j + 8));
                a0 -= kv; a1 -= kv; a2 -= kv; a3 -= kv;
                s0 += a0; s1 += a1; s2 += a2; s3 += a3;
                q0 = Vector256.FusedMultiplyAdd(a0, a0, q0); q1 = Vector256.FusedMultiplyAdd(a1, a1, q1);
                q2 = Vector256.FusedMultiplyAdd(a2, a2, q2); q3 = Vector256.FusedMultiplyAdd(a3, a3, q3);
            }
            s = Vector256.Sum((s0 + s1) + (s2 + s3));
            ss = Vector256.Sum((q0 + q1) + (q2 + q3));
        }
        for (; j < n; j++) { double d = p[j] - k; s += d; ss += d * d; }
        double md = s / n;
        return (k + md, Math.Max(0, ss / n - md * md));
    }

    /// <summary>y[j] = x[j] * scale + shift.</summary>
    static void Affine(float* x, float* y, long n, float scale, float shift)
    {
        long j = 0;
        var sv = Vector256.Create(scale);
        var hv = Vector256.Create(shift);
        for (; j + 32 <= n; j += 32)
        {
            Vector256.FusedMultiplyAdd(Vector256.Load(x + j), sv, hv).Store(y + j);
            Vector256.FusedMultiplyAdd(Vector256.Load(x + j + 8), sv, hv).Store(y + j + 8);
            Vector256.FusedMultiplyAdd(Vector256.Load(x + j + 16), sv, hv).Store(y + j + 16);
            Vector256.FusedMultiplyAdd(Vector256.Load(x + j + 24), sv, hv).Store(y + j + 24);
        }
        for (; j + 8 <= n; j += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + j), sv, hv).Store(y + j);
        for (; j < n; j++) y[j] = MathF.FusedMultiplyAdd(x[j], scale, shift);
    }

    /// <summary>dx for one normalised group; returns (sum dy, sum dy * xhat) for the affine gradients.</summary>
    static (double, double) NormalizedBackward(float* x, float* dy, float* dx, int n, float mean, float rstd, float gamma)
    {
        double sDy = 0, sDyX = 0;
        for (int j = 0; j < n; j++) { double d = dy[j]; sDy += d; sDyX += d * (x[j] - mean) * rstd; }
        float a = (float)(sDy / n), b = (float)(sDyX / n);
        for (int j = 0; j < n; j++)
        {
            float xh = (x[j] - mean) * rstd;
            dx[j] = gamma * rstd * (dy[j] - a - xh * b);
        }
        return (sDy, sDyX);
    }

    static void ReduceAffine(double[] sumDy, double[] sumDyXhat, float* dgamma, float* dbeta, int batch, int channels)
    {
        for (int c = 0; c < channels; c++)
        {
            double g = 0, b = 0;
            for (int n = 0; n < batch; n++) { g += sumDyXhat[n * channels + c]; b += sumDy[n * channels + c]; }
            if (dgamma != null) dgamma[c] = (float)g;
            if (dbeta != null) dbeta[c] = (float)b;
        }
    }
}
