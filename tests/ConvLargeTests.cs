namespace CoroNetGAN.Tests;

/// <summary>
/// conv2d gradients on the CPU backend at sizes where the vectorised packing paths and the stride-1 implicit input
/// gradient engage (rows of 8+ pixels inside the image), against direct float64 sums.
/// </summary>
public class ConvLargeTests
{
    // n, c, h, w, o, k, stride, pad
    public static TheoryData<int, int, int, int, int, int, int, int> Cases => new()
    {
        { 1, 13, 20, 29, 11, 3, 1, 1 },
        { 2, 5, 19, 24, 7, 3, 1, 0 },
        { 1, 6, 22, 30, 5, 7, 1, 3 },
        { 1, 9, 21, 34, 10, 4, 2, 1 },
        { 2, 16, 16, 16, 17, 3, 1, 1 },
        { 2, 12, 26, 23, 3, 7, 1, 0 },
        { 1, 8, 11, 13, 1, 4, 1, 1 },
        { 1, 5, 9, 10, 4, 3, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchDirectSums(int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var r = new Random(TestRandom.Seed($"convlarge {n} {c} {h} {w} {o} {k} {stride} {pad}"));
        var xs = TestRandom.Array(r, [n, c, h, w]);
        var ws = TestRandom.Array(r, [o, c, k, k]);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        var dys = TestRandom.Array(r, [n, o, oh, ow]);
        var dev = Device.Cpu;
        using var x = Tensor.FromArray(dev, xs.Data.Select(v => (float)v).ToArray(), n, c, h, w);
        using var wt = Tensor.FromArray(dev, ws.Data.Select(v => (float)v).ToArray(), o, c, k, k);
        using var dy = Tensor.FromArray(dev, dys.Data.Select(v => (float)v).ToArray(), n, o, oh, ow);
        x.RequiresGrad = true;
        wt.RequiresGrad = true;
        using (var tape = new Tape())
        {
            var y = Ops.Conv2d(x, wt, null, stride, pad);
            tape.Backward(y, dy);
        }
        var dx = new double[xs.Length];
        var dw = new double[ws.Length];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double g = dys.Data[((b * o + oc) * oh + oy) * ow + ox];
                        for (int ic = 0; ic < c; ic++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    int xi = ((b * c + ic) * h + iy) * w + ix, wi = ((oc * c + ic) * k + ky) * k + kx;
                                    dx[xi] += g * ws.Data[wi];
                                    dw[wi] += g * xs.Data[xi];
                                }
                    }
        AssertClose("input gradient", dx, x.Grad!.ToArray());
        AssertClose("weight gradient", dw, wt.Grad!.ToArray());
    }

    static void AssertClose(string what, double[] expected, float[] actual)
    {
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        // float32 sums of up to a few thousand terms of magnitude ~1: relative error well under 1e-5 of the largest.
        Assert.True(worst <= 1e-5 * scale + 1e-6, $"{what}: largest error {worst:E2} against largest value {scale:E2}");
    }
}
