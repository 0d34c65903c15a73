namespace CoroNetGAN.Tests;

public static partial class Ref
{
    static Nd Scalar(double v) => new([v], 1);

    /// <summary>Mean of all elements, shape [1].</summary>
    public static Nd Mean(Nd x) => Scalar(x.Data.Sum() / x.Length);

    /// <summary>torch.nn.L1Loss (mean): mean |a - b|.</summary>
    public static Nd L1Loss(Nd a, Nd b) => Scalar(a.Data.Zip(b.Data, (u, v) => Math.Abs(u - v)).Sum() / a.Length);

    /// <summary>torch.nn.MSELoss (mean): mean (a - b)^2.</summary>
    public static Nd MseLoss(Nd a, Nd b) => Scalar(a.Data.Zip(b.Data, (u, v) => (u - v) * (u - v)).Sum() / a.Length);

    /// <summary>torch.nn.BCEWithLogitsLoss (mean): mean of -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))].</summary>
    public static Nd BceWithLogitsLoss(Nd x, Nd t)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x.Data[i], sig = 1 / (1 + Math.Exp(-v));
            s += -(t.Data[i] * Math.Log(sig) + (1 - t.Data[i]) * Math.Log(1 - sig));
        }
        return Scalar(s / x.Length);
    }
}
