namespace CoroNetGAN.Tests;

/// <summary>Float64 reference implementations, written from the definitions (PyTorch semantics).</summary>
public static partial class Ref
{
    /// <summary>
    /// torch.nn.functional.conv2d: y[n,o,oy,ox] = b[o] + sum over c, ky, kx of x[n,c,oy*s-p+ky,ox*s-p+kx] * w[o,c,ky,kx],
    /// zero outside the image; output size (H + 2p - KH) / s + 1.
    /// </summary>
    public static Nd Conv2d(Nd x, Nd w, Nd? b, int stride, int pad)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), wd = x.Dim(3);
        int o = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        if (w.Dim(1) != c) throw new ArgumentException("Ref.Conv2d: channels");
        int oh = (h + 2 * pad - kh) / stride + 1, ow = (wd + 2 * pad - kw) / stride + 1;
        var y = new Nd(n, o, oh, ow);
        double[] X = x.Data, W = w.Data, Y = y.Data;
        for (int ni = 0; ni < n; ni++)
        for (int oi = 0; oi < o; oi++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double acc = b == null ? 0 : b.Data[oi];
            for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < kh; ky++)
            {
                int iy = oy * stride - pad + ky;
                if (iy < 0 || iy >= h) continue;
                int xrow = ((ni * c + ci) * h + iy) * wd, wrow = ((oi * c + ci) * kh + ky) * kw;
                for (int kx = 0; kx < kw; kx++)
                {
                    int ix = ox * stride - pad + kx;
                    if (ix < 0 || ix >= wd) continue;
                    acc += X[xrow + ix] * W[wrow + kx];
                }
            }
            Y[((ni * o + oi) * oh + oy) * ow + ox] = acc;
        }
        return y;
    }

    /// <summary>
    /// torch.nn.functional.conv_transpose2d with weight [Cin, Cout, KH, KW], as its scatter definition: every input
    /// element x[n,ci,iy,ix] adds x * w[ci,co,ky,kx] to y[n,co,iy*s-p+ky,ix*s-p+kx] when that lies inside the output,
    /// whose size is (H - 1) * s - 2p + KH + outputPadding; then the bias.
    /// </summary>
    public static Nd ConvTranspose2d(Nd x, Nd w, Nd? b, int stride, int pad, int outputPadding)
    {
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3);
        int cout = w.Dim(1), kh = w.Dim(2), kw = w.Dim(3);
        if (w.Dim(0) != cin) throw new ArgumentException("Ref.ConvTranspose2d: channels");
        int oh = (h - 1) * stride - 2 * pad + kh + outputPadding, ow = (wd - 1) * stride - 2 * pad + kw + outputPadding;
        var y = new Nd(n, cout, oh, ow);
        double[] X = x.Data, W = w.Data, Y = y.Data;
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < cin; ci++)
        for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < wd; ix++)
        {
            double xv = X[((ni * cin + ci) * h + iy) * wd + ix];
            for (int co = 0; co < cout; co++)
            for (int ky = 0; ky < kh; ky++)
            {
                int oy = iy * stride - pad + ky;
                if (oy < 0 || oy >= oh) continue;
                for (int kx = 0; kx < kw; kx++)
                {
                    int ox = ix * stride - pad + kx;
                    if (ox < 0 || ox >= ow) continue;
                    Y[((ni * cout + co) * oh + oy) * ow + ox] += xv * W[((ci * cout + co) * kh + ky) * kw + kx];
                }
            }
        }
        if (b != null)
            for (int ni = 0; ni < n; ni++)
            for (int co = 0; co < cout; co++)
            for (int j = 0; j < oh * ow; j++)
                Y[(ni * cout + co) * oh * ow + j] += b.Data[co];
        return y;
    }
}
