using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Tests;

/// <summary>
/// Training weights packed once per change (issue 19): the CPU backend stamps each buffer's contents, renewed by every
/// access that may write, and a GEMM keeps the packed copy of trusted conv weights under their stamp. Outputs must
/// equal the unpacked path's bit for bit, a copy must be reused while the weights are unchanged, and any write
/// (upload, an in-place op, the optimizer's step) must make the next conv use the new contents.
/// </summary>
public sealed unsafe class TrainingPackTests
{
    static float[] Rand(Random r, int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ATrustedGemmOperandIsReusedUnderItsStampAndRepackedUnderANewOne(bool use512)
    {
        using var packed = new PackedWeights(1L << 24);
        var o = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false, Prepacked = packed };
        var plain = o with { Prepacked = null };
        const int m = 40, n = 70, k = 300;
        var r = new Random(11);
        var a = Rand(r, m * k);
        var b = Rand(r, k * n);
        var c = new float[m * n];
        var want = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c, pw = want)
        {
            void Run(float* pa, float* pb, float* pc, float* pw, long stamp)
            {
                using (packed.Trust(pa, stamp)) Gemm.Sgemm(o, false, false, m, n, k, pa, k, pb, n, pc, n, false);
                Gemm.Sgemm(plain, false, false, m, n, k, pa, k, pb, n, pw, n, false);
                Assert.Equal(want, c);
            }
            Run(pa, pb, pc, pw, 1);
            Run(pa, pb, pc, pw, 1);
            Assert.Equal((1L, 1L), (packed.Packed, packed.Hits));
            for (int i = 0; i < a.Length; i++) a[i] = a[i] * -0.5f + 0.125f;
            Run(pa, pb, pc, pw, 2);
            Assert.Equal((2L, 1L), (packed.Packed, packed.Hits));
            Assert.True(packed.StampedBytes > 0);
            // Outside a trust scope nothing is reused, even at an address that holds a copy.
            for (int i = 0; i < a.Length; i++) a[i] += 1;
            Gemm.Sgemm(o, false, false, m, n, k, pa, k, pb, n, pc, n, false);
            Gemm.Sgemm(plain, false, false, m, n, k, pa, k, pb, n, pw, n, false);
            Assert.Equal(want, c);
            Assert.Equal(1L, packed.Hits);
        }
    }

    [Fact]
    public void AZeroBudgetKeepsNoCopyAndAnOverBudgetOperandPacksAsBefore()
    {
        const int m = 40, n = 70, k = 300;
        var r = new Random(12);
        var a = Rand(r, m * k);
        var b = Rand(r, k * n);
        var c = new float[m * n];
        var want = new float[m * n];
        foreach (long budget in new[] { 0L, 1024L })
        {
            using var packed = new PackedWeights(budget);
            var o = new CpuKernelOptions { Prepacked = packed };
            fixed (float* pa = a, pb = b, pc = c, pw = want)
            {
                for (int i = 0; i < 2; i++)
                    using (packed.Trust(pa, 5)) Gemm.Sgemm(o, false, false, m, n, k, pa, k, pb, n, pc, n, false);
                Gemm.Sgemm(o with { Prepacked = null }, false, false, m, n, k, pa, k, pb, n, pw, n, false);
            }
            Assert.Equal(want, c);
            Assert.Equal((0L, 0L, 0L), (packed.Packed, packed.Hits, packed.StampedBytes));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AConvSeesEveryWriteToItsWeights(bool use512)
    {
        // 4x4 stride-1 convs of 16 -> 40 channels run as GEMMs whose left operand is the weights.
        var options = new BackendOptions { Cpu = new CpuKernelOptions { Use512 = use512, PaddingPicksKernel = false } };
        using var dev = Device.Create("cpu", options);
        using var reference = Device.Create("cpu", new BackendOptions { Cpu = options.Cpu with { TrainingPackBytes = 0 } });
        var packed = ((CpuBackend)dev.Backend).Options.Prepacked!;
        var r = new Random(13);
        var xData = Rand(r, 16 * 12 * 12);
        var wData = Rand(r, 40 * 16 * 16);
        using var x = Tensor.FromArray(dev, xData, 1, 16, 12, 12);
        using var w = Tensor.FromArray(dev, wData, 40, 16, 4, 4);
        using var g = Tensor.FromArray(dev, Rand(r, wData.Length), 40, 16, 4, 4);
        using var m = Tensor.Zeros(dev, 40, 16, 4, 4);
        using var v = Tensor.Zeros(dev, 40, 16, 4, 4);

        void Check()
        {
            using var rx = Tensor.FromArray(reference, xData, 1, 16, 12, 12);
            using var rw = Tensor.FromArray(reference, w.ToArray(), 40, 16, 4, 4);
            using var want = Ops.Conv2d(rx, rw, null, 1, 1);
            using var got = Ops.Conv2d(x, w, null, 1, 1);
            Assert.Equal(want.ToArray(), got.ToArray());
        }

        Check();
        long made = packed.Packed;
        Assert.True(made > 0, "the conv's weights were not kept packed");
        Check();
        Assert.True(packed.Hits > 0, "an unchanged weight was packed again");
        Assert.Equal(made, packed.Packed);
        // An upload, an in-place op and the optimizer's step each change the weights under the same address.
        dev.Backend.Upload(Rand(r, wData.Length), w.Storage);
        Check();
        dev.Backend.AddInPlace(w.Storage, g.Storage, wData.Length);
        Check();
        dev.Backend.AdamStep(w.Storage, g.Storage, m.Storage, v.Storage, wData.Length, 0.1f, 0.5f, 0.999f, 1e-8f, 0f, 1);
        Check();
        Assert.True(packed.Packed >= made + 3, $"{packed.Packed - made} repacks for three writes");
    }
}
