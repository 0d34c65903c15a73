using CoroNetGAN.Kernels;

namespace CoroNetGAN.Tests;

/// <summary>Float64 direct convolution and the random data and error measure the CPU conv-path tests share.</summary>
public static class DirectConvReference
{
    /// <summary>Uniform values in [-scale, scale).</summary>
    public static float[] Draw(Random r, int n, double scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((r.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>conv2d of <paramref name="x"/> [N,C,H,W] with <paramref name="w"/> [O,C,KH,KW] (+ bias) for any kernel, stride and zero padding.</summary>
    public static double[] Conv(float[] x, float[] w, float[]? b, in ConvGeometry g)
    {
        var y = new double[g.N * g.OutputPlane];
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            double acc = b == null ? 0 : b[o];
            for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadH + ky;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadW + kx;
                    if ((uint)ix >= (uint)g.W) continue;
                    acc += (double)x[((n * g.C + c) * g.H + iy) * g.W + ix] * w[((o * g.C + c) * g.KH + ky) * g.KW + kx];
                }
            }
            y[((n * g.O + o) * g.OutH + oy) * g.OutW + ox] = acc;
        }
        return y;
    }

    /// <summary>The conv input gradient as a scatter: dx[n,c,oy*s-p+ky,ox*s-p+kx] += dy[n,o,oy,ox] * w[o,c,ky,kx], in float64.</summary>
    public static double[] InputGradient(float[] dy, float[] w, in ConvGeometry g)
    {
        var dx = new double[g.N * g.InputPlane];
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            double d = dy[((n * g.O + o) * g.OutH + oy) * g.OutW + ox];
            for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadH + ky;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadW + kx;
                    if ((uint)ix >= (uint)g.W) continue;
                    dx[((n * g.C + c) * g.H + iy) * g.W + ix] += d * w[((o * g.C + c) * g.KH + ky) * g.KW + kx];
                }
            }
        }
        return dx;
    }

    /// <summary>The conv weight gradient dw[o,c,ky,kx] = sum over n, oy, ox of dy[n,o,oy,ox] * x[n,c,oy*s-p+ky,ox*s-p+kx], in float64.</summary>
    public static double[] WeightGradient(float[] x, float[] dy, in ConvGeometry g)
    {
        var dw = new double[g.O * g.ColRows];
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int c = 0; c < g.C; c++)
        for (int ky = 0; ky < g.KH; ky++)
        for (int kx = 0; kx < g.KW; kx++)
        {
            double s = 0;
            for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int iy = oy * g.StrideH - g.PadH + ky, ix = ox * g.StrideW - g.PadW + kx;
                if ((uint)iy < (uint)g.H && (uint)ix < (uint)g.W)
                    s += (double)dy[((n * g.O + o) * g.OutH + oy) * g.OutW + ox] * x[((n * g.C + c) * g.H + iy) * g.W + ix];
            }
            dw[((o * g.C + c) * g.KH + ky) * g.KW + kx] += s;
        }
        return dw;
    }

    /// <summary>max |y - ref| / max |ref|.</summary>
    public static double RelError(double[] expected, float[] actual)
    {
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double e = Math.Abs(expected[i] - actual[i]);
            if (!(e <= worst)) worst = e;
        }
        return worst / scale;
    }
}
