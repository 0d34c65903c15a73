using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Tests;

/// <summary>
/// Inference with weights packed once (issue 19.2): a <see cref="Generator"/> freezes its weights, the CPU backend
/// packs each GEMM operand on first use and reuses it, Winograd trusts its cached transform, and every output is
/// bit-identical to the engine's forward pass on unfrozen weights. Thawing drops the packed copies, so new
/// contents at the same address are used.
/// </summary>
public sealed unsafe class PrepackedInferenceTests : IDisposable
{
    readonly DataTestFolders _dir = new();

    public void Dispose() => _dir.Dispose();

    static float[] Reference(string path, float[] input, int batch, int size, BackendOptions options)
    {
        using var dev = Device.Create("cpu", options);
        using var m = ModelFile.Load(path, dev);
        m.Eval();
        using var scope = Tape.NoGrad();
        return m.Forward(Tensor.FromArray(dev, input, batch, 3, size, size)).ToArray();
    }

    public static IEnumerable<object[]> Cases =>
        from arch in new[] { "resnet", "unet" } from wide in new[] { true, false } select new object[] { arch, wide };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AGeneratorWithPackedWeightsTranslatesBitIdentically(string arch, bool use512)
    {
        var options = new BackendOptions { Cpu = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false } };
        string path = Path.Combine(_dir.Root, arch + ".safetensors");
        int size = arch == "resnet" ? 32 : 64;
        using (Module g = arch == "resnet"
            ? new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 16, Blocks: 2, Widths: [7, 36, 71, 45, 33, 36, 7]), Device.Cpu, 5)
            : new UnetGenerator(new UnetGeneratorConfig(NumDowns: 6, Ngf: 16), Device.Cpu, 5))
            Interchange.SaveModel(g, path, size);
        var r = new Random(TestRandom.Seed(nameof(AGeneratorWithPackedWeightsTranslatesBitIdentically) + arch + use512));
        var input = Enumerable.Range(0, 2 * 3 * size * size).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var expected = Reference(path, input, 2, size, options);

        using var dev = Device.Create("cpu", options);
        var packed = ((CpuBackend)dev.Backend).Options.Prepacked!;
        using (var gen = Generator.Load(path, dev))
        {
            Assert.Equal(expected, gen.Translate(input, 2, size, size));   // packs
            long made = packed.Packed;
            Assert.True(made > 0, "no GEMM operand was packed from frozen weights");
            Assert.Equal(expected, gen.Translate(input, 2, size, size));   // reuses
            Assert.True(packed.Hits >= made, $"{packed.Hits} hits for {made} packed operands");
            Assert.Equal(made, packed.Packed);
        }
        // Disposing the generator thawed its weights: nothing frozen is left to go stale.
        using var w = Tensor.Zeros(dev, 4);
        Assert.False(packed.IsFrozen(((CpuStorage)w.Storage).Pointer));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AThawedWeightIsRepackedWithItsNewContent(bool use512)
    {
        using var packed = new PackedWeights();
        var o = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false, Prepacked = packed };
        var plain = o with { Prepacked = null };
        const int m = 40, n = 70, k = 300;
        var r = new Random(3);
        float[] Rand(int len) => Enumerable.Range(0, len).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        var a = Rand(m * k);
        var b = Rand(k * n);
        var c = new float[m * n];
        var want = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c, pw = want)
        {
            void Both(float* pa, float* pb, float* pc, float* pw)
            {
                Gemm.Sgemm(o, false, false, m, n, k, pa, k, pb, n, pc, n, false);
                Gemm.Sgemm(plain, false, false, m, n, k, pa, k, pb, n, pw, n, false);
            }
            packed.Freeze(pa, a.Length);
            Both(pa, pb, pc, pw);
            Both(pa, pb, pc, pw);
            Assert.Equal((1L, 1L), (packed.Packed, packed.Hits));
            Assert.Equal(want, c);
            packed.Release(pa);
            for (int i = 0; i < a.Length; i++) a[i] = -a[i] * 0.5f;
            packed.Freeze(pa, a.Length);
            Both(pa, pb, pc, pw);
            Assert.Equal(want, c);
            Assert.Equal(2L, packed.Packed);
            // Winograd: a 3x3 conv of frozen weights, twice, against the plain path.
            var g = new ConvGeometry(1, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 16, 16);
            var x = Rand(32 * 16 * 16);
            var wts = Rand(32 * 32 * 9);
            var y = new float[32 * 16 * 16];
            var yWant = new float[y.Length];
            fixed (float* px = x, pwt = wts, py = y, pyw = yWant)
            {
                Conv2d.Forward(plain, px, pwt, null, pyw, g);
                packed.Freeze(pwt, wts.Length);
                Conv2d.Forward(o, px, pwt, null, py, g);
                Assert.Equal(yWant, y);
                Conv2d.Forward(o, px, pwt, null, py, g);
                Assert.Equal(yWant, y);
                packed.Release(pwt);
                for (int i = 0; i < wts.Length; i++) wts[i] += 0.25f;
                packed.Freeze(pwt, wts.Length);
                Conv2d.Forward(plain, px, pwt, null, pyw, g);
                Conv2d.Forward(o, px, pwt, null, py, g);
                Assert.Equal(yWant, y);
                packed.Release(pwt);
            }
        }
    }
}
