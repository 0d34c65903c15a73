using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// The transposed forward conv for few output pixels (<see cref="PixelMajorConv"/>) against the GEMM path it replaces
/// (bit for bit: the same FMAs in the same K blocks) and a float64 conv, with either micro-kernel (the 8x32 one
/// emulated where AVX-512 is missing), odd widths, K not a multiple of the 256-long blocks, batch 2, and its packed
/// weights reused under an unchanged stamp and repacked under a new one.
/// </summary>
public unsafe class PixelMajorConvTests(ITestOutputHelper output)
{
    const double Tol = 1e-5;

    [Theory]
    [InlineData(1, 256, 8, 8, 512, 4, 1, 1, true)]     // PatchGAN ndf 64's stride-1 conv at 64 px: 49 pixels
    [InlineData(1, 128, 16, 16, 256, 4, 2, 1, false)]  // its 128 -> 256 stride-2 conv: 64 pixels
    [InlineData(2, 37, 9, 9, 71, 3, 2, 1, true)]       // odd widths, 25 pixels, K 333, batch 2
    [InlineData(1, 20, 5, 7, 33, 1, 1, 0, false)]      // pointwise, 35 pixels, one channel past a panel
    [InlineData(1, 64, 16, 16, 96, 4, 1, 1, true)]     // 225 pixels (less padding transposed)
    public void MatchesTheGemmPathBitForBitAndFloat64(int n, int c, int h, int w, int o, int k, int stride, int pad, bool bias)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        var r = new Random(TestRandom.Seed($"pixel-major {n} {c} {h} {w} {o} {k} {stride} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = bias ? DirectConvReference.Draw(r, o, 0.1) : null;
        var expected = DirectConvReference.Conv(x, wt, b, g);
        foreach (bool use512 in new[] { true, false })
        {
            var opt = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false, Winograd = false };
            Assert.True(PixelMajorConv.Applies(opt, g));
            var y = new float[n * g.OutputPlane];
            var gemm = new float[n * g.OutputPlane];
            Array.Fill(y, float.NaN);
            fixed (float* px = x, pw = wt, pb = b, py = y, pg = gemm)
            {
                Conv2d.Forward(opt, px, pw, pb, py, g);
                Conv2d.Forward(opt with { PixelMajorConv = false }, px, pw, pb, pg, g);
            }
            double err = DirectConvReference.RelError(expected, y);
            output.WriteLine($"{g} 512-bit {use512}: {err:E2}");
            Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
            Assert.Equal(gemm, y);
        }
    }

    /// <summary>
    /// The input gradient (a transposed conv's forward at inference, weights frozen) against the GEMM path's narrow product it replaces, bit for
    /// bit, and a float64 scatter: PatchGAN's 49-pixel conv, odd widths with stride 2 and batch 2, a 64-pixel 3x3 conv
    /// (ResNet-9's first upsampling at 32 px, seen from its adjoint).
    /// </summary>
    [Theory]
    [InlineData(1, 256, 8, 8, 512, 4, 1, 1)]
    [InlineData(2, 64, 9, 9, 130, 3, 2, 1)]
    [InlineData(1, 64, 16, 16, 128, 3, 2, 1)]
    public void InputGradientMatchesTheGemmPathBitForBitAndFloat64(int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        var r = new Random(TestRandom.Seed($"pixel-major dx {n} {c} {h} {w} {o} {k} {stride} {pad}"));
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var expected = DirectConvReference.InputGradient(dy, wt, g);
        foreach (bool use512 in new[] { true, false })
        {
            // Only for frozen weights (inference); trusted training weights take the GEMM path.
            using var packed = new PackedWeights(1L << 26);
            var opt = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false, Winograd = false, Prepacked = packed };
            Assert.True(PixelMajorConv.AppliesBackwardData(opt, g));
            var dx = new float[n * g.InputPlane];
            var gemm = new float[n * g.InputPlane];
            Array.Fill(dx, float.NaN);
            fixed (float* pdy = dy, pw = wt, pdx = dx, pg = gemm)
            {
                using (packed.Trust(pw, 1)) Assert.False(PixelMajorConv.BackwardData(opt, pdy, pw, pdx, g));
                packed.Freeze(pw, wt.Length);
                Assert.True(PixelMajorConv.BackwardData(opt, pdy, pw, pdx, g));
                Assert.True(PixelMajorConv.BackwardData(opt, pdy, pw, pdx, g));
                Assert.Equal((1L, 1L), (packed.Packed, packed.Hits));
                Assert.False(PixelMajorConv.BackwardData(opt with { Prepacked = null }, pdy, pw, pg, g));
                Conv2d.BackwardData(opt with { PixelMajorConv = false }, pdy, pw, pg, g);
            }
            double err = DirectConvReference.RelError(expected, dx);
            output.WriteLine($"dx {g} 512-bit {use512}: {err:E2}");
            Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
            Assert.Equal(gemm, dx);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrustedWeightsArePackedOncePerStamp(bool use512)
    {
        var g = ConvGeometry.ForConv(1, 64, 8, 8, 96, 4, 4, 1, 1);
        using var packed = new PackedWeights(1L << 24);
        var opt = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false, Prepacked = packed };
        var r = new Random(TestRandom.Seed($"pixel-major packs {use512}"));
        var x = DirectConvReference.Draw(r, g.InputPlane, 1);
        var wt = DirectConvReference.Draw(r, g.O * g.ColRows, 0.1);
        var y = new float[g.OutputPlane];
        var want = new float[g.OutputPlane];
        fixed (float* px = x, pw = wt, py = y, pwant = want)
        {
            void Run(float* px, float* pw, float* py, float* pwant, long stamp)
            {
                using (packed.Trust(pw, stamp)) Conv2d.Forward(opt, px, pw, null, py, g);
                Conv2d.Forward(opt with { Prepacked = null, PixelMajorConv = false }, px, pw, null, pwant, g);
                Assert.Equal(want, y);
            }
            Run(px, pw, py, pwant, 1);
            Run(px, pw, py, pwant, 1);
            Assert.Equal((1L, 1L), (packed.Packed, packed.Hits));
            for (int i = 0; i < wt.Length; i++) wt[i] = wt[i] * -0.5f + 0.01f;
            Run(px, pw, py, pwant, 2);
            Assert.Equal((2L, 1L), (packed.Packed, packed.Hits));
        }
    }

    [Fact]
    public void AppliesToFewPixelsAndManyChannelsOnly()
    {
        var o = new CpuKernelOptions { Use512 = true };
        Assert.True(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 256, 8, 8, 512, 4, 4, 1, 1)));      // 49 pixels
        Assert.False(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 512, 4, 4, 512, 4, 4, 2, 1)));     // 4 pixels: the skinny GEMM's
        Assert.False(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 64, 32, 32, 128, 4, 4, 2, 1)));    // 256 pixels, no padding either way
        Assert.True(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 256, 16, 16, 512, 4, 4, 1, 1)));    // 225 pixels: 232 rows against 256 columns
        Assert.False(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 256, 8, 8, 16, 4, 4, 1, 1)));      // 16 output channels
        Assert.False(PixelMajorConv.Applies(o, ConvGeometry.ForConv(1, 64, 64, 64, 128, 4, 4, 2, 1)));    // 1,024 pixels
        Assert.True(PixelMajorConv.AppliesBackwardData(o, ConvGeometry.ForConv(1, 256, 8, 8, 512, 4, 4, 1, 1)));
        Assert.False(PixelMajorConv.AppliesBackwardData(o, ConvGeometry.ForConv(1, 128, 32, 32, 256, 3, 3, 2, 1)));   // 256 pixels
        Assert.False(PixelMajorConv.AppliesBackwardData(o, ConvGeometry.ForConv(1, 256, 8, 8, 512, 1, 1, 1, 0)));     // pointwise
        Assert.False(PixelMajorConv.Applies(o with { PixelMajorConv = false }, ConvGeometry.ForConv(1, 256, 8, 8, 512, 4, 4, 1, 1)));
    }
}
