namespace CoroNetGAN.Tests;

public static partial class Ref
{
    /// <summary>
    /// One torch.optim.Adam step (amsgrad off, L2 weight decay), in place: g += wd * p; m = b1 m + (1 - b1) g;
    /// v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). step t counts from 1.
    /// </summary>
    public static void AdamStep(double[] p, double[] grad, double[] m, double[] v, double lr, double beta1, double beta2,
        double eps, double weightDecay, int step)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            double g = grad[i] + weightDecay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double denom = Math.Sqrt(v[i]) / Math.Sqrt(bc2) + eps;
            p[i] -= lr / bc1 * m[i] / denom;
        }
    }
}
