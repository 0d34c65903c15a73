namespace CoroNetGAN.Tests;

public static partial class Ref
{
    /// <summary>torch.nn.ReflectionPad2d(pad): y[n,c,i,j] = x[n,c,r(i-pad,H),r(j-pad,W)] with r mirroring about the edges without repeating them.</summary>
    public static Nd ReflectionPad2d(Nd x, int pad)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int ph = h + 2 * pad, pw = w + 2 * pad;
        var y = new Nd(n, c, ph, pw);
        static int Mirror(int t, int len) => t < 0 ? -t : t >= len ? 2 * (len - 1) - t : t;
        for (int p = 0; p < n * c; p++)
        for (int i = 0; i < ph; i++)
        for (int j = 0; j < pw; j++)
            y.Data[(p * ph + i) * pw + j] = x.Data[(p * h + Mirror(i - pad, h)) * w + Mirror(j - pad, w)];
        return y;
    }
}
