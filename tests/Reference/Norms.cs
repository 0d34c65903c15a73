namespace CoroNetGAN.Tests;

public static partial class Ref
{
    /// <summary>torch InstanceNorm2d (no running stats): each [n,c] plane (x - mean) / sqrt(biased var + eps), then * gamma[c] + beta[c].</summary>
    public static Nd InstanceNorm(Nd x, Nd? gamma, Nd? beta, double eps = 1e-5)
    {
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        var y = new Nd(x.Shape);
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < c; ci++)
        {
            int o = (ni * c + ci) * plane;
            double mean = 0, var = 0;
            for (int j = 0; j < plane; j++) mean += x.Data[o + j];
            mean /= plane;
            for (int j = 0; j < plane; j++) var += (x.Data[o + j] - mean) * (x.Data[o + j] - mean);
            var /= plane;
            double g = gamma?.Data[ci] ?? 1, b = beta?.Data[ci] ?? 0;
            for (int j = 0; j < plane; j++) y.Data[o + j] = (x.Data[o + j] - mean) / Math.Sqrt(var + eps) * g + b;
        }
        return y;
    }

    /// <summary>Per-channel mean and biased variance over (n, h, w).</summary>
    public static (double[] Mean, double[] Var) BatchMoments(Nd x)
    {
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        var mean = new double[c];
        var var = new double[c];
        for (int ci = 0; ci < c; ci++)
        {
            double s = 0;
            for (int ni = 0; ni < n; ni++) for (int j = 0; j < plane; j++) s += x.Data[(ni * c + ci) * plane + j];
            mean[ci] = s / (n * plane);
            double v = 0;
            for (int ni = 0; ni < n; ni++) for (int j = 0; j < plane; j++) { double d = x.Data[(ni * c + ci) * plane + j] - mean[ci]; v += d * d; }
            var[ci] = v / (n * plane);
        }
        return (mean, var);
    }

    /// <summary>torch BatchNorm2d in training mode: normalised with the batch mean and biased batch variance.</summary>
    public static Nd BatchNormTrain(Nd x, Nd? gamma, Nd? beta, double eps = 1e-5)
    {
        var (mean, var) = BatchMoments(x);
        return BatchNormWith(x, gamma, beta, mean, var, eps);
    }

    /// <summary>
    /// The running statistics after one training step of torch BatchNorm2d: (1 - momentum) * running + momentum * batch
    /// statistic, where the variance is the UNBIASED batch variance (count / (count - 1) times the biased one).
    /// </summary>
    public static (double[] Mean, double[] Var) BatchNormRunningUpdate(Nd x, double[] runningMean, double[] runningVar, double momentum = 0.1)
    {
        var (mean, var) = BatchMoments(x);
        double count = x.Dim(0) * x.Dim(2) * x.Dim(3);
        var m = new double[mean.Length];
        var v = new double[mean.Length];
        for (int c = 0; c < m.Length; c++)
        {
            m[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
            v[c] = (1 - momentum) * runningVar[c] + momentum * var[c] * count / (count - 1);
        }
        return (m, v);
    }

    /// <summary>torch BatchNorm2d in evaluation mode: normalised with the running statistics.</summary>
    public static Nd BatchNormEval(Nd x, Nd? gamma, Nd? beta, Nd runningMean, Nd runningVar, double eps = 1e-5) =>
        BatchNormWith(x, gamma, beta, runningMean.Data, runningVar.Data, eps);

    static Nd BatchNormWith(Nd x, Nd? gamma, Nd? beta, double[] mean, double[] var, double eps)
    {
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        var y = new Nd(x.Shape);
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < c; ci++)
        {
            double g = gamma?.Data[ci] ?? 1, b = beta?.Data[ci] ?? 0;
            for (int j = 0; j < plane; j++)
            {
                int i = (ni * c + ci) * plane + j;
                y.Data[i] = (x.Data[i] - mean[ci]) / Math.Sqrt(var[ci] + eps) * g + b;
            }
        }
        return y;
    }
}
