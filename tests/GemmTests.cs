using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit;

namespace CoroNetGAN.Tests;

/// <summary>The packed GEMM and the implicit-unfold operands against plain float64 loops, on awkward sizes.</summary>
public unsafe class GemmTests
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>The micro-kernel this machine does not pick by default (emulated in software if need be) must be right too.</summary>
    [Fact]
    public void OtherMicroKernelMatchesReference()
    {
        var other = O with { Use512 = !O.Use512, PaddingPicksKernel = false };
        SgemmMatches(other, 37, 45, 300);
        SgemmMatches(other, 9, 70, 20);
        ConvMatches(other, 2, 4, 9, 8, 6, 3, 2, 1);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 13, 5)]
    [InlineData(6, 16, 256)]
    [InlineData(37, 45, 300)]
    [InlineData(64, 130, 513)]
    [InlineData(250, 33, 70)]
    [InlineData(300, 1, 257)]     // narrow B: transposed A runs as C^T = B^T A (SgemmNarrow)
    [InlineData(520, 16, 130)]
    [InlineData(96, 5, 700)]
    [InlineData(700, 150, 100)]   // up to 256 columns when M >= 4N
    public void SgemmMatchesReferenceForEveryTransposeAndAccumulate(int m, int n, int k) => SgemmMatches(O, m, n, k);

    /// <summary>
    /// With AVX-512 on, the 8x32 kernel runs unless its padding is over 1.25 times 6x16's: 16 columns (a 16x16 output's
    /// Winograd tiles) go to 6x16, 64 columns by 64 rows stay 8x32; off, or with the option off, Use512 alone decides.
    /// Both picks compute the same product.
    /// </summary>
    [Fact]
    public void PaddingPicksTheMicroKernelWhenAsked()
    {
        var wide = O with { Use512 = true };
        Assert.False(Gemm.Wide(wide, 256, 16));
        Assert.False(Gemm.Wide(wide, 64, 48));
        Assert.True(Gemm.Wide(wide, 512, 225));
        Assert.True(Gemm.Wide(wide, 64, 64));
        Assert.True(Gemm.Wide(wide, 256, 1024));
        Assert.True(Gemm.Wide(wide with { PaddingPicksKernel = false }, 256, 16));
        Assert.False(Gemm.Wide(O with { Use512 = false }, 64, 64));
        SgemmMatches(wide with { SkinnyColumns = 0 }, 64, 48, 100);
        SgemmMatches(wide with { SkinnyColumns = 0, PaddingPicksKernel = false }, 64, 48, 100);
    }

    /// <summary>
    /// GEMMs with at most 8 columns run as one pass over A (SkinnyGemm), with either vector width: row counts off the
    /// 4-row step and the 64- or 16-column strips, K off the vector length, column groups of 4 partly filled.
    /// </summary>
    [Theory]
    [InlineData(300, 1, 257)]
    [InlineData(131, 3, 1000)]
    [InlineData(517, 8, 70)]
    [InlineData(64, 5, 1031)]
    [InlineData(1030, 7, 33)]
    public void SkinnyPathMatchesReferenceWithEitherVectorWidth(int m, int n, int k)
    {
        foreach (bool use512 in new[] { false, true })
        {
            var o = O with { Use512 = use512, SkinnyColumns = 8, PaddingPicksKernel = false };
            Assert.True(SkinnyGemm.Applies(o, m, n, k));
            SgemmMatches(o, m, n, k);
        }
        Assert.False(SkinnyGemm.Applies(O with { SkinnyColumns = 0 }, m, n, k));
    }

    static void SgemmMatches(CpuKernelOptions o, int m, int n, int k)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (bool acc in new[] { false, true })
        {
            var a = Random(rng, m * k);
            var b = Random(rng, k * n);
            var c = Random(rng, m * n);
            var expected = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = acc ? c[i * n + j] : 0;
                    for (int p = 0; p < k; p++)
                        s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    expected[i * n + j] = s;
                }
            fixed (float* pa = a, pb = b, pc = c)
                Gemm.Sgemm(o, ta, tb, m, n, k, pa, ta ? m : k, pb, tb ? k : n, pc, n, acc);
            for (int i = 0; i < m * n; i++)
                Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-4 * Math.Sqrt(k) + 1e-5,
                    $"transA={ta} transB={tb} acc={acc} C[{i}] = {c[i]}, expected {expected[i]}");
        }
    }

    [Theory]
    [InlineData(2, 3, 7, 7, 4, 3, 1, 1)]
    [InlineData(1, 5, 33, 31, 13, 3, 1, 1)]
    [InlineData(2, 4, 9, 8, 6, 3, 2, 1)]
    [InlineData(1, 3, 10, 10, 5, 4, 2, 1)]
    [InlineData(1, 3, 12, 11, 4, 7, 1, 0)]
    [InlineData(1, 8, 5, 5, 20, 1, 1, 0)]
    [InlineData(1, 2, 6, 6, 3, 1, 2, 0)]
    public void ConvForwardAndWeightGradientMatchReference(int n, int c, int h, int w, int o, int k, int stride, int pad) =>
        ConvMatches(O, n, c, h, w, o, k, stride, pad);

    static void ConvMatches(CpuKernelOptions options, int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var rng = new Random(n + c * 7 + h * 31 + o * 101 + k * 1009);
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        var x = Random(rng, n * c * h * w);
        var wt = Random(rng, o * c * k * k);
        var dy = Random(rng, n * o * g.OutH * g.OutW);
        var y = new float[dy.Length];
        var dw = new float[wt.Length];
        fixed (float* px = x, pw = wt, py = y, pdy = dy, pdw = dw)
        {
            Conv2d.Forward(options, px, pw, null, py, g);
            Conv2d.BackwardWeight(options, px, pdy, pdw, g);
        }
        double In(int ni, int ci, int iy, int ix) =>
            iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[((ni * c + ci) * h + iy) * w + ix];
        double scale = Math.Sqrt(c * k * k);
        for (int ni = 0; ni < n; ni++)
            for (int oi = 0; oi < o; oi++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double s = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                    s += In(ni, ci, oy * stride - pad + ky, ox * stride - pad + kx) * wt[((oi * c + ci) * k + ky) * k + kx];
                        float got = y[((ni * o + oi) * g.OutH + oy) * g.OutW + ox];
                        Assert.True(Math.Abs(got - s) <= 1e-5 * scale + 1e-6, $"y[{ni},{oi},{oy},{ox}] = {got}, expected {s}");
                    }
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                    {
                        double s = 0;
                        for (int ni = 0; ni < n; ni++)
                            for (int oy = 0; oy < g.OutH; oy++)
                                for (int ox = 0; ox < g.OutW; ox++)
                                    s += In(ni, ci, oy * stride - pad + ky, ox * stride - pad + kx) * dy[((ni * o + oi) * g.OutH + oy) * g.OutW + ox];
                        float got = dw[((oi * c + ci) * k + ky) * k + kx];
                        Assert.True(Math.Abs(got - s) <= 1e-5 * Math.Sqrt(n * g.OutPixels) + 1e-6, $"dw[{oi},{ci},{ky},{kx}] = {got}, expected {s}");
                    }
    }
}
