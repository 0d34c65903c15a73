using ILGPU;
using ILGPU.Algorithms;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>Optimizer updates, elementwise and grid-stride.</summary>
public static class OptimizerKernels
{
    /// <summary>
    /// One Adam step (torch.optim.Adam, amsgrad off): g' = g + weightDecay p; m = beta1 m + (1 - beta1) g';
    /// v = beta2 v + (1 - beta2) g'^2; p -= stepSize * m / (sqrt(v) / bc2Sqrt + eps), where the host passes
    /// stepSize = lr / (1 - beta1^step) and bc2Sqrt = sqrt(1 - beta2^step), both computed in double.
    /// g itself is not modified.
    /// </summary>
    public static void Adam(Index1D t, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v,
        float stepSize, float beta1, float beta2, float eps, float weightDecay, float bc2Sqrt, int n, int stride)
    {
        for (int i = t; i < n; i += stride)
        {
            float pv = p[i];
            float gv = g[i];
            if (weightDecay != 0f) gv += weightDecay * pv;
            float mv = beta1 * m[i] + (1f - beta1) * gv;
            float vv = beta2 * v[i] + (1f - beta2) * gv * gv;
            m[i] = mv;
            v[i] = vv;
            p[i] = pv - stepSize * mv / (XMath.Sqrt(vv) / bc2Sqrt + eps);
        }
    }
}
