using System.Runtime.InteropServices;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// The Winograd F(4x4, 3x3) forward against a float64 direct conv on fresh random data: odd sizes, tile rows that
/// do not fill a group of 8 tiles, channel counts that are not multiples of the micro-kernel's rows, batch 2,
/// padding 0, 1 and 2, with and without bias, on both micro-kernels.
/// </summary>
public unsafe class WinogradTests(ITestOutputHelper output)
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    /// <summary>
    /// Largest |error| allowed, relative to max |y| of the float64 result. Measured: about 1e-6 to 1e-5 for
    /// F(4x4, 3x3) in float32 on these inputs (the GEMM path's direct conv: about 1e-7 to 1e-6).
    /// </summary>
    const double Tol = 5e-5;

    /// <summary>Runs the Winograd path and (for comparison) the GEMM path on the same data; returns both errors.</summary>
    (double winograd, double gemm) Run(int n, int c, int h, int w, int o, int pad, bool bias, int seed, CpuKernelOptions? options = null)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, 3, 3, 1, pad);
        var r = new Random(seed);
        var x = DirectConvReference.Draw(r, n * c * h * w, 1.0);
        var wt = DirectConvReference.Draw(r, o * c * 9, Math.Sqrt(3.0 / (9 * c)));   // unit-variance outputs, like a trained layer
        var b = bias ? DirectConvReference.Draw(r, o, 0.1) : null;
        var expected = DirectConvReference.Conv(x, wt, b, g);
        var yw = new float[n * g.OutputPlane];
        var yg = new float[n * g.OutputPlane];
        Array.Fill(yw, float.NaN);
        var opt = options ?? O;
        fixed (float* px = x, pw = wt, pb = b, pyw = yw, pyg = yg)
        {
            WinogradConv.Forward(opt, px, pw, pb, pyw, g);
            Conv2d.Forward(opt with { Winograd = false }, px, pw, pb, pyg, g);
        }
        double ew = DirectConvReference.RelError(expected, yw), eg = DirectConvReference.RelError(expected, yg);
        output.WriteLine($"N{n} C{c} {h}x{w} O{o} pad{pad} bias={bias}: winograd {ew:E2}, gemm {eg:E2}");
        return (ew, eg);
    }

    [Theory]
    [InlineData(1, 1, 6, 6, 1, 0, false)]
    [InlineData(1, 3, 7, 9, 5, 1, true)]
    [InlineData(2, 5, 13, 27, 7, 1, true)]
    [InlineData(2, 8, 10, 34, 13, 0, false)]
    [InlineData(1, 19, 9, 70, 23, 1, true)]
    [InlineData(2, 17, 18, 18, 33, 0, true)]
    [InlineData(1, 16, 37, 41, 16, 2, false)]
    [InlineData(1, 12, 4, 5, 6, 1, true)]
    [InlineData(1, 40, 66, 66, 12, 0, true)]
    [InlineData(1, 260, 11, 35, 7, 1, true)]    // C > the GEMM's K block (256): two accumulating passes
    public void MatchesFloat64DirectConv(int n, int c, int h, int w, int o, int pad, bool bias)
    {
        var (ew, _) = Run(n, c, h, w, o, pad, bias, TestRandom.Seed($"wino {n} {c} {h} {w} {o} {pad}"));
        Assert.True(ew <= Tol, $"Winograd error {ew:E3} > {Tol}");
    }

    [Fact]
    public void OtherMicroKernelMatchesFloat64DirectConv()
    {
        var other = O with { Use512 = !O.Use512, PaddingPicksKernel = false };
        foreach (var (n, c, h, w, o, pad) in new[] { (2, 9, 11, 75, 17, 1), (1, 33, 20, 20, 9, 0) })
        {
            var (ew, _) = Run(n, c, h, w, o, pad, true, TestRandom.Seed($"wino512 {n} {c} {h} {w}"), other);
            Assert.True(ew <= Tol, $"Winograd error {ew:E3} > {Tol} (micro-kernel {other.MicroKernel})");
        }
    }

    /// <summary>
    /// Several chunks of tile panels (a tiny chunk budget) must give the same result as one: the chunk loop
    /// carries the panel offset into both transforms.
    /// </summary>
    [Fact]
    public void ChunkedRunMatchesFloat64DirectConv()
    {
        var (ew, _) = Run(2, 24, 21, 45, 20, 1, true, 77, O with { WinogradChunkFloats = 1 });
        Assert.True(ew <= Tol, $"Winograd error {ew:E3} > {Tol}");
    }

    /// <summary>The ResNet residual conv's shape (reflection-padded input, padding 0), at a reduced channel count.</summary>
    [Fact]
    public void ResidualBlockShapeError()
    {
        var (ew, eg) = Run(1, 64, 34, 34, 64, 0, true, 5);
        Assert.True(ew <= Tol, $"Winograd error {ew:E3} > {Tol}");
        Assert.True(eg <= ew, "the GEMM path is expected to be at least as accurate");
    }

    /// <summary>Through the engine: Ops.Conv2d on the CPU device picks the Winograd path for a 3x3 stride-1 conv with enough channels.</summary>
    [Fact]
    public void Conv2dOpUsesWinogradWhereItApplies()
    {
        var g = ConvGeometry.ForConv(1, 64, 32, 32, 64, 3, 3, 1, 1);
        Assert.True(WinogradConv.Applies(O, g));
        Assert.False(WinogradConv.Applies(O, g with { StrideH = 2, StrideW = 2 }));
        Assert.False(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 3, 256, 256, 64, 7, 7, 1, 3)));
        Assert.False(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 3, 256, 256, 64, 3, 3, 1, 1)));     // 3 input channels
        Assert.False(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 16, 18, 18, 16, 3, 3, 1, 0)));      // 16 columns, few channels
        Assert.True(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 32, 18, 18, 32, 3, 3, 1, 0)));       // 16 columns, 32 channels (paired tile rows)
        Assert.True(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 64, 18, 18, 64, 3, 3, 1, 0)));       // 16 columns, 64 channels (ResNet-6 at 64x64)
        Assert.False(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 64, 10, 10, 64, 3, 3, 1, 0)));      // 8 columns, 64 channels
        Assert.True(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 256, 18, 18, 256, 3, 3, 1, 0)));     // 16 columns, 256 channels
        Assert.True(WinogradConv.Applies(O, ConvGeometry.ForConv(1, 256, 66, 66, 256, 3, 3, 1, 0)));     // the ResNet residual conv
        var dev = Device.Cpu;
        using var x = Tensor.RandomUniform(dev, 1, -1f, 1f, 2, 64, 19, 23);
        using var w = Tensor.RandomUniform(dev, 2, -0.05f, 0.05f, 48, 64, 3, 3);
        using var b = Tensor.RandomUniform(dev, 3, -0.1f, 0.1f, 48);
        using var y = Ops.Conv2d(x, w, b, 1, 1);
        var expected = DirectConvReference.Conv(x.ToArray(), w.ToArray(), b.ToArray(), ConvGeometry.ForConv(2, 64, 19, 23, 48, 3, 3, 1, 1));
        double err = DirectConvReference.RelError(expected, y.ToArray());
        output.WriteLine($"Ops.Conv2d 2x64x19x23 -> 48: {err:E2}");
        Assert.True(err <= Tol);
    }

    /// <summary>
    /// The transformed-weight cache is keyed by the weight buffer's address, so a write into the same buffer (an
    /// optimizer step, a reload) must be seen: the second call uses the new weights, and a third with the original
    /// weights restored is right again.
    /// </summary>
    [Fact]
    public void CachedWeightsFollowInPlaceChanges()
    {
        var g = ConvGeometry.ForConv(1, 20, 14, 30, 17, 3, 3, 1, 1);
        var r = new Random(11);
        var x = DirectConvReference.Draw(r, g.InputPlane, 1);
        var w0 = DirectConvReference.Draw(r, g.O * g.ColRows, 0.1);
        var w = (float[])w0.Clone();
        var y = new float[g.OutputPlane];
        fixed (float* px = x, pw = w, py = y)
        {
            for (int round = 0; round < 4; round++)
            {
                if (round == 1) w[5] += 0.5f;                        // one weight changed in place
                if (round == 2) Array.Copy(w0, w, w.Length);         // the original back
                if (round == 3) w[^1] = -w[^1];                      // the last weight (end of the compared range)
                WinogradConv.Forward(O, px, pw, null, py, g);
                double err = DirectConvReference.RelError(DirectConvReference.Conv(x, w, null, g), y);
                Assert.True(err <= Tol, $"round {round}: error {err:E3}");
            }
        }
        // Off (budget 0) it transforms into scratch every call, and drops the entry it had for these weights.
        WinogradConv.ClearCache();
        fixed (float* px = x, pw = w, py = y) WinogradConv.Forward(O, px, pw, null, py, g);
        Assert.True(WinogradConv.WeightCache.Bytes > 0);
        fixed (float* px = x, pw = w, py = y) WinogradConv.Forward(O with { WinogradCacheBytes = 0 }, px, pw, null, py, g);
        Assert.Equal(0, WinogradConv.WeightCache.Bytes);
        Assert.True(DirectConvReference.RelError(DirectConvReference.Conv(x, w, null, g), y) <= Tol);
    }

    /// <summary>
    /// Weights generated anew each step (the hypernetwork search) sit at new addresses; entries no call has used for
    /// <see cref="WinogradConv.WeightCache.StaleAfter"/> acquisitions go when the next new one comes, so the cache
    /// holds what is in use rather than filling its whole budget.
    /// </summary>
    [Fact]
    public void StaleEntriesAreDroppedWhenNewWeightsArrive()
    {
        var g = ConvGeometry.ForConv(1, 8, 10, 30, 8, 3, 3, 1, 1);
        long n = (long)g.O * g.ColRows;
        float* x = (float*)NativeMemory.Alloc((nuint)(g.InputPlane * 4)), y = (float*)NativeMemory.Alloc((nuint)(g.OutputPlane * 4));
        float* a = (float*)NativeMemory.Alloc((nuint)(n * 4)), b = (float*)NativeMemory.Alloc((nuint)(n * 4)), c = (float*)NativeMemory.Alloc((nuint)(n * 4));
        try
        {
            var r = new Random(TestRandom.Seed("stale cache"));
            for (int i = 0; i < g.InputPlane; i++) x[i] = (float)r.NextDouble();
            for (long i = 0; i < n; i++) { a[i] = (float)r.NextDouble(); b[i] = -a[i]; c[i] = 2 * a[i]; }
            WinogradConv.Forward(O, x, a, null, y, g);
            Assert.True(WinogradConv.WeightCache.Holds(a));
            for (int i = 0; i <= WinogradConv.WeightCache.StaleAfter; i++) WinogradConv.Forward(O, x, b, null, y, g);
            WinogradConv.Forward(O, x, c, null, y, g);
            Assert.False(WinogradConv.WeightCache.Holds(a));
            Assert.True(WinogradConv.WeightCache.Holds(b) && WinogradConv.WeightCache.Holds(c));
        }
        finally
        {
            foreach (var p in new[] { (nint)x, (nint)y, (nint)a, (nint)b, (nint)c }) NativeMemory.Free((void*)p);
            WinogradConv.ClearCache();
        }
    }

    /// <summary>
    /// Outputs at most 16 columns wide put two tile rows in one group; checked against float64 with that layout and
    /// with the one-row layout, forward and input gradient: an odd number of tile rows (the last group half empty),
    /// partial tiles, batch 2 (groups crossing images), padding 0 to 2.
    /// </summary>
    [Theory]
    [InlineData(2, 9, 18, 18, 10, 0)]    // 16x16: ResNet-6's residual conv at 64x64 images
    [InlineData(1, 12, 11, 13, 7, 1)]    // 11x13: 3 tile rows, 4 tiles per row with the last partial
    [InlineData(2, 8, 9, 7, 16, 2)]      // 11x9 with padding 2
    [InlineData(1, 70, 6, 10, 9, 0)]     // one tile row
    public void PairedTileRowsMatchFloat64(int n, int c, int h, int w, int o, int pad)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, 3, 3, 1, pad);
        var r = new Random(TestRandom.Seed($"wino paired {n} {c} {h} {w} {o} {pad}"));
        var x = DirectConvReference.Draw(r, n * g.InputPlane, 1.0);
        var wt = DirectConvReference.Draw(r, o * g.ColRows, Math.Sqrt(3.0 / g.ColRows));
        var b = DirectConvReference.Draw(r, o, 0.1);
        var dy = DirectConvReference.Draw(r, n * g.OutputPlane, 1.0);
        var expected = DirectConvReference.Conv(x, wt, b, g);
        var expectedDx = DirectConvReference.InputGradient(dy, wt, g);
        foreach (bool paired in new[] { true, false })
        {
            {
                var opt = O with { WinogradPairRows = paired };
                var y = new float[n * g.OutputPlane];
                var dx = new float[n * g.InputPlane];
                Array.Fill(y, float.NaN);
                Array.Fill(dx, float.NaN);
                fixed (float* px = x, pw = wt, pb = b, py = y, pdy = dy, pdx = dx)
                {
                    WinogradConv.Forward(opt, px, pw, pb, py, g);
                    WinogradConv.BackwardData(opt, pdy, pw, pdx, g);
                }
                double e = DirectConvReference.RelError(expected, y), ed = DirectConvReference.RelError(expectedDx, dx);
                output.WriteLine($"{g} paired={paired}: forward {e:E2}, input gradient {ed:E2}");
                Assert.True(e <= Tol, $"paired={paired}: forward error {e:E3}");
                Assert.True(ed <= Tol, $"paired={paired}: input-gradient error {ed:E3}");
            }
        }
    }
}
