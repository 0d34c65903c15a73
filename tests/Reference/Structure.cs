namespace CoroNetGAN.Tests;

public static partial class Ref
{
    /// <summary>a + b elementwise.</summary>
    public static Nd Add(Nd a, Nd b)
    {
        if (!a.Shape.SequenceEqual(b.Shape)) throw new ArgumentException("Ref.Add: shapes");
        var y = new Nd(a.Shape);
        for (int i = 0; i < a.Length; i++) y.Data[i] = a.Data[i] + b.Data[i];
        return y;
    }

    /// <summary>s * x.</summary>
    public static Nd Scale(Nd x, double s) => Map(x, v => s * v);

    /// <summary>torch.cat([a, b], dim=1) of NCHW arrays.</summary>
    public static Nd Concat(Nd a, Nd b)
    {
        int n = a.Dim(0), ca = a.Dim(1), cb = b.Dim(1), h = a.Dim(2), w = a.Dim(3);
        var y = new Nd(n, ca + cb, h, w);
        for (int ni = 0; ni < n; ni++)
        for (int c = 0; c < ca + cb; c++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
            y.Data[((ni * (ca + cb) + c) * h + i) * w + j] = c < ca
                ? a.Data[((ni * ca + c) * h + i) * w + j]
                : b.Data[((ni * cb + c - ca) * h + i) * w + j];
        return y;
    }

    /// <summary>y[n,c,h,w] = x[n,c,h,w] * m[c].</summary>
    public static Nd ChannelMask(Nd x, Nd m)
    {
        int c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        var y = new Nd(x.Shape);
        for (int i = 0; i < x.Length; i++) y.Data[i] = x.Data[i] * m.Data[i / plane % c];
        return y;
    }
}
