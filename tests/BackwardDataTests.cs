using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// The conv input gradient (= conv_transpose2d's forward) against a float64 scatter of every dy element through
/// every tap: strides 1 to 3, kernels smaller and larger than the stride, paddings 0 to 3, output padding (rows the
/// conv never reaches), odd sizes, batch 2.
/// </summary>
public unsafe class BackwardDataTests(ITestOutputHelper output)
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    /// <summary>Largest |error| relative to max |dx|: float32 sums of at most a few thousand products.</summary>
    const double Tol = 1e-5;

    // n, c (dx channels), h, w (dx size), o (dy channels), k, stride, pad, extra (output padding of the transposed view)
    [Theory]
    [InlineData(1, 3, 8, 8, 4, 3, 1, 1, 0)]
    [InlineData(2, 5, 9, 7, 6, 3, 1, 0, 0)]
    [InlineData(1, 4, 7, 9, 3, 7, 1, 3, 0)]
    [InlineData(2, 6, 16, 16, 8, 3, 2, 1, 1)]    // ConvTranspose2d k3 s2 p1 op1 (ResNet's up convs)
    [InlineData(1, 5, 15, 13, 7, 3, 2, 1, 0)]    // k3 s2 p1 op0
    [InlineData(2, 3, 12, 10, 9, 4, 2, 1, 0)]    // k4 s2 p1 (U-Net's up convs)
    [InlineData(1, 4, 11, 14, 5, 1, 2, 0, 1)]    // kernel smaller than the stride: pixels no tap reaches
    [InlineData(1, 3, 13, 17, 4, 5, 3, 2, 2)]
    [InlineData(1, 2, 10, 10, 3, 2, 3, 0, 1)]
    [InlineData(1, 70, 9, 11, 40, 3, 2, 3, 0)]   // padding above the kernel's half
    [InlineData(1, 4, 40, 70, 5, 3, 2, 1, 1)]    // stride-2 rows wide enough for the vectorized fold (16+ columns)
    [InlineData(2, 3, 64, 47, 6, 4, 2, 1, 0)]
    [InlineData(1, 2, 9, 53, 3, 5, 2, 2, 1)]
    public void MatchesFloat64Scatter(int n, int c, int h, int w, int o, int k, int stride, int pad, int extra)
    {
        // The conv from dx's shape to dy's; the transposed view's output padding adds rows the conv never reaches.
        var g0 = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        var g = g0 with { H = h + extra, W = w + extra };
        var r = new Random(TestRandom.Seed($"bwd {n} {c} {h} {w} {o} {k} {stride} {pad} {extra}"));
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, 1);
        var expected = DirectConvReference.InputGradient(dy, wt, g);
        var got = new float[n * g.InputPlane];
        Array.Fill(got, float.NaN);
        fixed (float* pdy = dy, pw = wt, pg = got) Conv2d.BackwardData(O, pdy, pw, pg, g);
        double e = DirectConvReference.RelError(expected, got);
        bool winograd = WinogradConv.AppliesBackwardData(O, g);
        output.WriteLine($"{g}: {e:E2}{(winograd ? " (Winograd)" : "")}");
        double tol = winograd ? WinogradTolerance : Tol;
        Assert.True(e <= tol, $"error {e:E3} > {tol}");
    }

    /// <summary>The Winograd path's tolerance (see <see cref="WinogradTests"/>).</summary>
    const double WinogradTolerance = 5e-5;

    /// <summary>
    /// 3x3 stride-1 input gradients with enough channels and columns take the Winograd path (dy convolved with the
    /// transposed, flipped weights, padding 2 - p); both paths are checked on the same data.
    /// </summary>
    [Theory]
    [InlineData(1, 16, 30, 33, 12, 1)]
    [InlineData(2, 9, 20, 40, 24, 0)]
    [InlineData(1, 40, 34, 34, 64, 0)]   // a residual conv's shape (reflection-padded input, padding 0)
    [InlineData(1, 8, 29, 31, 10, 2)]
    public void WinogradInputGradientMatchesFloat64Scatter(int n, int c, int h, int w, int o, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, 3, 3, 1, pad);
        Assert.True(WinogradConv.AppliesBackwardData(O, g));
        var r = new Random(TestRandom.Seed($"wbwd {n} {c} {h} {w} {o} {pad}"));
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, 1);
        var expected = DirectConvReference.InputGradient(dy, wt, g);
        var got = new float[n * g.InputPlane];
        var gemm = new float[n * g.InputPlane];
        Array.Fill(got, float.NaN);
        fixed (float* pdy = dy, pw = wt, pg = got, pm = gemm)
        {
            Conv2d.BackwardData(O, pdy, pw, pg, g);
            Conv2d.BackwardData(O with { Winograd = false }, pdy, pw, pm, g);
        }
        double e = DirectConvReference.RelError(expected, got), eg = DirectConvReference.RelError(expected, gemm);
        output.WriteLine($"{g}: Winograd {e:E2}, GEMM + col2im {eg:E2}");
        Assert.True(e <= WinogradTolerance, $"Winograd error {e:E3} > {WinogradTolerance}");
        Assert.True(eg <= Tol, $"GEMM error {eg:E3} > {Tol}");
    }

    /// <summary>
    /// Stride-1 input gradients off the Winograd path have two GEMM forms: the adjoint forward conv (dy with flipped
    /// weights) and GEMM + col2im; Conv2d picks one by shape. Both are checked here on the same data, on shapes that
    /// pick each: a small residual conv (col2im), a 7x7 image head and an image-reading first conv (adjoint), a
    /// PatchGAN's stride-1 conv.
    /// </summary>
    [Theory]
    [InlineData(1, 64, 18, 18, 64, 3, 0, false)]   // ResNet-6 ngf 16's residual conv at 64x64 images
    [InlineData(1, 16, 22, 22, 3, 7, 0, true)]     // the image head (3 output channels)
    [InlineData(2, 64, 8, 8, 128, 4, 1, false)]    // PatchGAN's stride-1 conv
    [InlineData(1, 12, 40, 40, 20, 5, 2, true)]    // few output channels, padding
    [InlineData(2, 3, 40, 40, 16, 7, 0, true)]     // an image-reading first conv: the adjoint is a direct conv
    public void StrideOneInputGradientPathsMatchFloat64Scatter(int n, int c, int h, int w, int o, int k, int pad, bool adjoint)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, 1, pad);
        Assert.Equal(adjoint, Conv2d.PrefersAdjoint(O, g));
        var r = new Random(TestRandom.Seed($"s1bwd {n} {c} {h} {w} {o} {k} {pad}"));
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, 1);
        var expected = DirectConvReference.InputGradient(dy, wt, g);
        var viaAdjoint = new float[n * g.InputPlane];
        var viaCol2Im = new float[n * g.InputPlane];
        Array.Fill(viaAdjoint, float.NaN);
        Array.Fill(viaCol2Im, float.NaN);
        var gemmPaths = O with { Winograd = false };
        fixed (float* pdy = dy, pw = wt, pa = viaAdjoint, pc = viaCol2Im)
        {
            if (adjoint) Conv2d.BackwardData(gemmPaths, pdy, pw, pa, g);
            else Conv2d.BackwardDataByAdjoint(gemmPaths, pdy, pw, pa, g);
            Conv2d.BackwardData(gemmPaths with { AdjointAsForward = false }, pdy, pw, pc, g);
        }
        double ea = DirectConvReference.RelError(expected, viaAdjoint), ec = DirectConvReference.RelError(expected, viaCol2Im);
        output.WriteLine($"{g}: adjoint conv {ea:E2}, GEMM + col2im {ec:E2}");
        Assert.True(ea <= Tol, $"adjoint-conv error {ea:E3} > {Tol}");
        Assert.True(ec <= Tol, $"col2im error {ec:E3} > {Tol}");
    }
}
