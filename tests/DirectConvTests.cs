using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// The direct conv for few output channels (an image generator's last layer) against a float64 direct conv: 1 to 4
/// output channels, widths with and without a partial 32-column block, several channel blocks, batch 2.
/// </summary>
public unsafe class DirectConvTests(ITestOutputHelper output)
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    /// <summary>Largest |error| relative to max |y|: the same summation as the GEMM path, in another order.</summary>
    const double Tol = 1e-5;

    [Theory]
    [InlineData(1, 16, 9, 38, 1, 7, true)]
    [InlineData(2, 5, 12, 40, 2, 3, false)]
    [InlineData(1, 64, 10, 70, 3, 7, true)]
    [InlineData(2, 9, 8, 104, 4, 5, true)]
    [InlineData(1, 70, 3, 33, 3, 1, false)]
    [InlineData(1, 3, 11, 101, 3, 7, true)]
    [InlineData(1, 3, 14, 40, 20, 7, true)]      // an image-reading first layer (3 input channels, many outputs)
    [InlineData(2, 1, 9, 35, 7, 3, false)]
    [InlineData(1, 64, 9, 11, 1, 4, true)]       // rows of 8 to 31 columns (a PatchGAN head): one block of overlapping vectors
    [InlineData(2, 40, 6, 33, 3, 4, true)]       // 30 columns, 3 channels
    [InlineData(1, 20, 5, 18, 4, 4, false)]      // 15 columns, 4 channels (groups of 3 and 1)
    public void MatchesFloat64DirectConv(int n, int c, int h, int w, int o, int k, bool bias)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, 1, 0);
        Assert.True(DirectConv.Applies(O, g));
        var r = new Random(TestRandom.Seed($"direct {n} {c} {h} {w} {o} {k}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = bias ? DirectConvReference.Draw(r, o, 0.1) : null;
        var expected = DirectConvReference.Conv(x, wt, b, g);
        // Blocks of a few channels, so the accumulate-through-y path runs too.
        foreach (long blockBytes in new[] { O.DirectConvBlockBytes, (long)k * w * sizeof(float) * 2 })
        {
            var y = new float[n * g.OutputPlane];
            Array.Fill(y, float.NaN);
            fixed (float* px = x, pw = wt, pb = b, py = y) DirectConv.Forward(O with { DirectConvBlockBytes = blockBytes }, px, pw, pb, py, g);
            double err = DirectConvReference.RelError(expected, y);
            output.WriteLine($"N{n} C{c} {h}x{w} O{o} k{k} block {blockBytes} B: {err:E2}");
            Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
        }
    }

    /// <summary>
    /// Padded convs through a zero-padded copy of the input, via Conv2d.Forward: the adjoint of a 7x7 image head
    /// (3 -> 16 channels, padding 6) and a 3-channel conv with padding 1, batch 2.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 26, 26, 16, 7, 6)]
    [InlineData(2, 3, 12, 37, 10, 3, 1)]
    [InlineData(1, 16, 9, 40, 2, 5, 2)]
    [InlineData(2, 512, 15, 15, 1, 4, 1)]        // PatchGAN's 512 -> 1 head at 128 px: 14 columns
    public void PaddedConvMatchesFloat64DirectConv(int n, int c, int h, int w, int o, int k, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, 1, pad);
        Assert.True(DirectConv.AppliesPadded(O, g));
        var r = new Random(TestRandom.Seed($"direct padded {n} {c} {h} {w} {o} {k} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = DirectConvReference.Draw(r, o, 0.1);
        var expected = DirectConvReference.Conv(x, wt, b, g);
        var y = new float[n * g.OutputPlane];
        Array.Fill(y, float.NaN);
        // The 512-channel head would otherwise take the channel dot products (ChannelDotConvTests).
        fixed (float* px = x, pw = wt, pb = b, py = y) Conv2d.Forward(O with { ChannelDotConv = false }, px, pw, pb, py, g);
        double err = DirectConvReference.RelError(expected, y);
        output.WriteLine($"{g}: {err:E2}");
        Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
    }

    [Fact]
    public void Conv2dChoosesItForFewOutputOrInputChannelsOnly()
    {
        Assert.True(DirectConv.Applies(O, ConvGeometry.ForConv(1, 64, 262, 262, 3, 7, 7, 1, 0)));
        Assert.True(DirectConv.Applies(O, ConvGeometry.ForConv(1, 3, 262, 262, 64, 7, 7, 1, 0)));       // ResNet's first conv
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 3, 256, 256, 64, 4, 4, 2, 1)));      // U-Net's (stride 2)
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 8, 262, 262, 64, 7, 7, 1, 0)));
        Assert.True(DirectConv.AppliesPadded(O, ConvGeometry.ForConv(1, 3, 256, 256, 64, 7, 7, 1, 6)));
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 64, 262, 262, 6, 7, 7, 1, 0)));
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 64, 256, 256, 3, 7, 7, 1, 3)));
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 64, 256, 256, 3, 3, 3, 2, 0)));
        Assert.True(DirectConv.AppliesPadded(O, ConvGeometry.ForConv(1, 512, 31, 31, 1, 4, 4, 1, 1)));   // PatchGAN's head at 256 px
        Assert.False(DirectConv.AppliesPadded(O, ConvGeometry.ForConv(1, 512, 7, 7, 1, 4, 4, 1, 1)));    // at 64 px: 6 columns
        Assert.False(DirectConv.Applies(O, ConvGeometry.ForConv(1, 3, 20, 20, 16, 3, 3, 1, 0)));         // a first layer needs 32 columns
    }

    /// <summary>
    /// The direct weight gradient against float64 sums over pixels: 1 to 4 output channels (one or two groups of 3) and
    /// 3-channel inputs with 10 and 16 output channels, kernels of 1 to 7 taps (groups of 4 taps and the remainder),
    /// padding 0 to 3 (taps partly outside the image), widths with and without a partial vector, batch 2.
    /// </summary>
    [Theory]
    [InlineData(1, 16, 22, 22, 3, 7, 0)]    // the image head of ResNet-6 at 16x16
    [InlineData(2, 5, 13, 29, 1, 4, 1)]     // a PatchGAN head
    [InlineData(2, 3, 9, 19, 2, 3, 1)]
    [InlineData(1, 7, 12, 40, 4, 5, 2)]     // 4 channels: groups of 3 and 1
    [InlineData(1, 4, 11, 17, 3, 7, 3)]
    [InlineData(2, 6, 8, 12, 3, 1, 0)]
    [InlineData(1, 3, 20, 40, 16, 7, 0)]    // an image-reading first layer: 3 input channels, many outputs
    [InlineData(2, 3, 12, 19, 10, 3, 1)]
    public void WeightGradientMatchesFloat64(int n, int c, int h, int w, int o, int k, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, 1, pad);
        Assert.True(DirectConv.AppliesBackwardWeight(O, g));
        var r = new Random(TestRandom.Seed($"direct dw {n} {c} {h} {w} {o} {k} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var expected = DirectConvReference.WeightGradient(x, dy, g);
        var got = new float[o * g.ColRows];
        Array.Fill(got, float.NaN);
        fixed (float* px = x, pdy = dy, pg = got) DirectConv.BackwardWeight(O, px, pdy, pg, g);
        double err = DirectConvReference.RelError(expected, got);
        output.WriteLine($"{g}: {err:E2}");
        Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
    }
}
