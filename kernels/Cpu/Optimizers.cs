namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Optimizer updates on the CPU.</summary>
public static unsafe class Optimizers
{
    /// <summary>
    /// One step of torch.optim.Adam (amsgrad off, L2 weight decay added to the gradient), with the bias
    /// corrections computed in double for this step.
    /// </summary>
    public static void Adam(float* p, float* g, float* m, float* v, long n, float lr, float beta1, float beta2,
        float eps, float weightDecay, int step)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        float stepSize = (float)(lr / bc1), invSqrtBc2 = (float)(1 / Math.Sqrt(bc2));
        float b1c = 1 - beta1, b2c = 1 - beta2;
        Par.For(n, Par.ElementGrain, (s, e) =>
        {
            for (long i = s; i < e; i++)
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
