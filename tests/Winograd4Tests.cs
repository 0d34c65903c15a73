using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// The Winograd F(3x3, 4x4) forward and input gradient against float64 direct convs on fresh random data: PatchGAN's
/// stride-1 conv at 64 and 128 px, odd sizes and channel counts (partial tiles, tile groups that do not fill 8 lanes,
/// partial micro-kernel panels), batch 2 (tiles of two images in one group), padding 0 to 3, with and without bias, on
/// both micro-kernels and in several chunks.
/// </summary>
public unsafe class Winograd4Tests(ITestOutputHelper output)
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    /// <summary>Largest |error| allowed, relative to max |y| of the float64 result (as for F(4x4, 3x3), same tile size).</summary>
    const double Tol = 5e-5;

    void Check(int n, int c, int h, int w, int o, int pad, bool bias, CpuKernelOptions opt, string label)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, 4, 4, 1, pad);
        var r = new Random(TestRandom.Seed($"wino4 {label} {n} {c} {h} {w} {o} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1.0);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = bias ? DirectConvReference.Draw(r, o, 0.1) : null;
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1.0);
        var expected = DirectConvReference.Conv(x, wt, b, g);
        var expectedDx = DirectConvReference.InputGradient(dy, wt, g);
        var y = new float[n * g.OutputPlane];
        var dx = new float[n * g.InputPlane];
        Array.Fill(y, float.NaN);
        Array.Fill(dx, float.NaN);
        fixed (float* px = x, pw = wt, pb = b, py = y, pdy = dy, pdx = dx)
        {
            Winograd4Conv.Forward(opt, px, pw, pb, py, g);
            Winograd4Conv.BackwardData(opt, pdy, pw, pdx, g);
        }
        double e = DirectConvReference.RelError(expected, y), ed = DirectConvReference.RelError(expectedDx, dx);
        output.WriteLine($"{label} {g}: forward {e:E2}, input gradient {ed:E2}");
        Assert.True(e <= Tol, $"{label} {g}: forward error {e:E3}");
        Assert.True(ed <= Tol, $"{label} {g}: input-gradient error {ed:E3}");
    }

    [Theory]
    [InlineData(1, 1, 4, 4, 1, 0, false)]       // one output pixel: one tile, 8 of 9 outputs clipped
    [InlineData(1, 3, 7, 9, 5, 1, true)]
    [InlineData(2, 5, 13, 27, 7, 1, true)]       // batch 2: groups of 8 tiles span both images
    [InlineData(1, 19, 12, 12, 23, 2, true)]
    [InlineData(2, 17, 9, 10, 33, 3, false)]     // padding 3: the input gradient's padding 0
    [InlineData(1, 37, 11, 19, 71, 1, true)]     // odd widths a search leaves
    [InlineData(1, 260, 9, 9, 9, 1, true)]       // C > the GEMM's K block (256): two accumulating passes
    [InlineData(1, 64, 8, 8, 128, 1, true)]      // PatchGAN ndf 16's stride-1 conv at 64 px (7x7 output)
    [InlineData(1, 256, 16, 16, 512, 1, true)]   // PatchGAN ndf 64's at 128 px (15x15 output, 25 tiles)
    public void MatchesFloat64DirectConv(int n, int c, int h, int w, int o, int pad, bool bias) =>
        Check(n, c, h, w, o, pad, bias, O, "default");

    [Fact]
    public void OtherMicroKernelAndChunksMatchFloat64()
    {
        var other = O with { Use512 = !O.Use512, PaddingPicksKernel = false };
        Check(2, 9, 11, 25, 17, 1, true, other, other.MicroKernel);
        Check(1, 33, 20, 20, 9, 0, false, other, other.MicroKernel);
        // A chunk budget of one panel: the chunk loop carries the panel offset into both transforms.
        Check(2, 24, 21, 45, 20, 1, true, O with { WinogradChunkFloats = 1 }, "chunked");
        // No cache: the weights are transformed into scratch on every call.
        Check(1, 12, 10, 14, 10, 1, true, O with { WinogradCacheBytes = 0 }, "uncached");
    }

    /// <summary>
    /// The transformed-weight cache is shared with the 3x3 path and keyed by address and kernel size; a write into the
    /// same buffer must be seen (an optimizer step between two discriminator calls).
    /// </summary>
    [Fact]
    public void CachedWeightsFollowInPlaceChanges()
    {
        var g = ConvGeometry.ForConv(1, 20, 14, 30, 17, 4, 4, 1, 1);
        var r = new Random(TestRandom.Seed("wino4 cache"));
        var x = DirectConvReference.Draw(r, g.InputPlane, 1);
        var w = DirectConvReference.Draw(r, g.O * g.ColRows, 0.1);
        var y = new float[g.OutputPlane];
        fixed (float* px = x, pw = w, py = y)
        {
            for (int round = 0; round < 3; round++)
            {
                if (round == 1) w[5] += 0.5f;
                if (round == 2) w[^1] = -w[^1];
                Winograd4Conv.Forward(O, px, pw, null, py, g);
                double err = DirectConvReference.RelError(DirectConvReference.Conv(x, w, null, g), y);
                Assert.True(err <= Tol, $"round {round}: error {err:E3}");
            }
        }
    }

    /// <summary>Which convs take the path: 4x4 stride 1 with 64+ channels each way and 16+ tiles, forward and input gradient.</summary>
    [Fact]
    public void TakesPatchGansStrideOneConvAtAndAbove128Pixels()
    {
        Assert.True(Winograd4Conv.Applies(O, ConvGeometry.ForConv(1, 256, 16, 16, 512, 4, 4, 1, 1)));    // 128 px: 15x15
        Assert.True(Winograd4Conv.Applies(O, ConvGeometry.ForConv(1, 256, 32, 32, 512, 4, 4, 1, 1)));    // 256 px: 31x31
        Assert.True(Winograd4Conv.AppliesBackwardData(O, ConvGeometry.ForConv(1, 256, 16, 16, 512, 4, 4, 1, 1)));
        Assert.False(Winograd4Conv.Applies(O, ConvGeometry.ForConv(1, 256, 8, 8, 512, 4, 4, 1, 1)));     // 64 px: 7x7, 9 tiles
        Assert.False(Winograd4Conv.Applies(O, ConvGeometry.ForConv(1, 128, 32, 32, 256, 4, 4, 2, 1)));   // stride 2
        Assert.False(Winograd4Conv.Applies(O, ConvGeometry.ForConv(1, 512, 16, 16, 1, 4, 4, 1, 1)));     // the 1-channel head
        Assert.False(Winograd4Conv.Applies(O with { Winograd4 = false }, ConvGeometry.ForConv(1, 256, 16, 16, 512, 4, 4, 1, 1)));
    }
}
