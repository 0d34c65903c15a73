using CoroNetGAN.Kernels;

namespace CoroNetGAN.Tests;

public static partial class Ref
{
    static Nd Map(Nd x, Func<double, double> f)
    {
        var y = new Nd(x.Shape);
        for (int i = 0; i < x.Length; i++) y.Data[i] = f(x.Data[i]);
        return y;
    }

    /// <summary>max(x, 0).</summary>
    public static Nd Relu(Nd x) => Map(x, v => v > 0 ? v : 0);

    /// <summary>x for x &gt; 0, slope * x otherwise.</summary>
    public static Nd LeakyRelu(Nd x, double slope) => Map(x, v => v > 0 ? v : slope * v);

    /// <summary>tanh(x).</summary>
    public static Nd Tanh(Nd x) => Map(x, Math.Tanh);

    /// <summary>
    /// The inverted-dropout mask: element i is kept (scaled by 1/(1-p)) when RandomHash.Uniform(seed, i) &gt;= p,
    /// else 0. The mask is defined by the engine's counter-based hash, so the reference uses it.
    /// </summary>
    public static double[] DropoutMask(int n, float p, uint seed)
    {
        var mask = new double[n];
        for (int i = 0; i < n; i++) mask[i] = RandomHash.Uniform(seed, (uint)i) >= p ? 1.0 / (1.0 - p) : 0.0;
        return mask;
    }

    /// <summary>x * mask.</summary>
    public static Nd Dropout(Nd x, float p, uint seed)
    {
        var mask = DropoutMask(x.Length, p, seed);
        var y = new Nd(x.Shape);
        for (int i = 0; i < x.Length; i++) y.Data[i] = x.Data[i] * mask[i];
        return y;
    }
}
