using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Optimizer updates on the CPU.</summary>
public static unsafe class Optimizers
{
    /// <summary>
    /// One step of torch.optim.Adam (amsgrad off, L2 weight decay added to the gradient), with the bias
    /// corrections computed in double for this step.
    /// </summary>
    public static void Adam(CpuKernelOptions o, float* p, float* g, float* m, float* v, long n, float lr, float beta1, float beta2,
        float eps, float weightDecay, int step)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        float stepSize = (float)(lr / bc1), invSqrtBc2 = (float)(1 / Math.Sqrt(bc2));
        float b1c = 1 - beta1, b2c = 1 - beta2;
        Par.For(o, n, Par.ElementGrain, (s, e) =>
        {
            long i = s;
            // Eight parameters per iteration; the scalar loop below finishes the tail with the same arithmetic.
            var vb1 = Vector256.Create(beta1); var vb1c = Vector256.Create(b1c);
            var vb2 = Vector256.Create(beta2); var vb2c = Vector256.Create(b2c);
            var vwd = Vector256.Create(weightDecay); var vstep = Vector256.Create(stepSize);
            var vinv = Vector256.Create(invSqrtBc2); var veps = Vector256.Create(eps);
            for (; i + 8 <= e; i += 8)
            {
                var pv = Vector256.Load(p + i);
                var gv = Vector256.Load(g + i) + vwd * pv;
                var mv = vb1 * Vector256.Load(m + i) + vb1c * gv;
                var vv = vb2 * Vector256.Load(v + i) + vb2c * gv * gv;
                mv.Store(m + i); vv.Store(v + i);
                (pv - vstep * mv / (Vector256.Sqrt(vv) * vinv + veps)).Store(p + i);
            }
            for (; i < e; i++)
            {
                float gi = g[i] + weightDecay * p[i];
                float mi = beta1 * m[i] + b1c * gi;
                float vi = beta2 * v[i] + b2c * gi * gi;
                m[i] = mi; v[i] = vi;
                p[i] -= stepSize * mi / (MathF.Sqrt(vi) * invSqrtBc2 + eps);
            }
        });
    }
}
