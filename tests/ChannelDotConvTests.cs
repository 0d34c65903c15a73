using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// Convs with a few output and many input channels as channel dot products (<see cref="ChannelDotConv"/>, a PatchGAN's
/// 512 -> 1 head), forward and weight gradient, against a float64 conv through <see cref="Conv2d"/>: padding, stride 2, channel counts with
/// and without a partial vector, 1 to 4 output channels, bias or none, batch 2.
/// </summary>
public unsafe class ChannelDotConvTests(ITestOutputHelper output)
{
    /// <summary>Largest |error| relative to max |y|: the GEMM's sum in another order.</summary>
    const double Tol = 1e-5;

    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    [Theory]
    [InlineData(1, 512, 7, 7, 1, 4, 1, 1, true)]     // PatchGAN ndf 64's head at 64 px: 6x6 outputs
    [InlineData(2, 512, 15, 15, 1, 4, 1, 1, true)]   // at 128 px, batch 2
    [InlineData(2, 130, 9, 11, 3, 3, 2, 1, false)]   // stride 2, 130 channels (4 blocks of 32 and 2 scalars)
    [InlineData(1, 200, 6, 6, 4, 1, 1, 0, true)]     // pointwise, 200 channels (a block of 8 after the 32s)
    [InlineData(1, 128, 5, 40, 2, 5, 1, 2, false)]   // 40 columns (not taken by Conv2d, called directly): still exact
    public void MatchesFloat64Conv(int n, int c, int h, int w, int o, int k, int stride, int pad, bool bias)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        var r = new Random(TestRandom.Seed($"channel dot {n} {c} {h} {w} {o} {k} {stride} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = bias ? DirectConvReference.Draw(r, o, 0.1) : null;
        var expected = DirectConvReference.Conv(x, wt, b, g);
        var y = new float[n * g.OutputPlane];
        Array.Fill(y, float.NaN);
        fixed (float* px = x, pw = wt, pb = b, py = y)
        {
            if (ChannelDotConv.Applies(O, g)) Conv2d.Forward(O, px, pw, pb, py, g);
            else ChannelDotConv.Forward(O, px, pw, pb, py, g);
        }
        double err = DirectConvReference.RelError(expected, y);
        output.WriteLine($"{g}: {err:E2}");
        Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
    }

    /// <summary>The weight gradient against float64 sums over pixels and the batch, on the same shapes.</summary>
    [Theory]
    [InlineData(1, 512, 7, 7, 1, 4, 1, 1)]
    [InlineData(2, 512, 15, 15, 1, 4, 1, 1)]
    [InlineData(2, 130, 9, 11, 3, 3, 2, 1)]
    [InlineData(1, 200, 6, 6, 4, 1, 1, 0)]
    public void WeightGradientMatchesFloat64(int n, int c, int h, int w, int o, int k, int stride, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, k, k, stride, pad);
        Assert.True(ChannelDotConv.Applies(O, g));
        var r = new Random(TestRandom.Seed($"channel dot dw {n} {c} {h} {w} {o} {k} {stride} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1);
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1);
        var expected = DirectConvReference.WeightGradient(x, dy, g);
        var got = new float[o * g.ColRows];
        Array.Fill(got, float.NaN);
        fixed (float* px = x, pdy = dy, pg = got) Conv2d.BackwardWeight(O, px, pdy, pg, g);
        double err = DirectConvReference.RelError(expected, got);
        output.WriteLine($"dw {g}: {err:E2}");
        Assert.True(err <= Tol, $"error {err:E3} > {Tol}");
    }

    [Fact]
    public void AppliesToFewOutputAndManyInputChannelsOnNarrowRows()
    {
        Assert.True(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 512, 7, 7, 1, 4, 4, 1, 1)));
        Assert.True(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 512, 15, 15, 1, 4, 4, 1, 1)));    // 14 columns at 128 px
        Assert.False(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 512, 31, 31, 1, 4, 4, 1, 1)));   // 30 columns at 256 px
        Assert.False(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 64, 256, 256, 3, 7, 7, 1, 3)));  // ResNet's image head
        Assert.False(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 128, 64, 64, 3, 7, 7, 1, 3)));   // 64 columns
        Assert.False(ChannelDotConv.Applies(O, ConvGeometry.ForConv(1, 512, 7, 7, 5, 4, 4, 1, 1)));     // 5 output channels
        Assert.False(ChannelDotConv.Applies(O with { ChannelDotConv = false }, ConvGeometry.ForConv(1, 512, 7, 7, 1, 4, 4, 1, 1)));
    }
}
