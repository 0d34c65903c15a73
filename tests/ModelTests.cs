using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN.Tests;

/// <summary>
/// The generators and the discriminator: forward against the float64 reference networks, a gradcheck of every
/// parameter (directional derivatives against central differences of the reference), output shapes at 64, 128
/// and 256 pixels on every device with the devices agreeing, and invalid configurations.
/// </summary>
public class ModelTests
{
    static Module Build(string arch, Device device, int size, int width, NormKind? norm = null, bool dropout = false, int seed = 7) => arch switch
    {
        "resnet" => new ResnetGenerator(new ResnetGeneratorConfig(Ngf: width, Norm: norm ?? NormKind.Instance), device, seed),
        "unet" => new UnetGenerator(new UnetGeneratorConfig(Ngf: width, NumDowns: (int)Math.Log2(size), Norm: norm ?? NormKind.Batch, UseDropout: dropout), device, seed),
        "patchgan" => new PatchGanDiscriminator(new PatchGanConfig(InputChannels: 6, Ndf: width, Norm: norm ?? NormKind.Batch), device, seed),
        _ => throw new ArgumentException(arch),
    };

    static int Channels(string arch) => arch == "patchgan" ? 6 : 3;

    static Nd Reference(string arch, IReadOnlyDictionary<string, Nd> p, Nd x, NormKind norm)
    {
        var n = norm == NormKind.Instance ? RefModels.Norm.Instance : RefModels.Norm.Batch;
        return arch switch
        {
            "resnet" => RefModels.Resnet(p, x, 9, n),
            "unet" => RefModels.Unet(p, x, (int)Math.Log2(x.Dim(2)), n),
            _ => RefModels.PatchGan3(p, x, n),
        };
    }

    [Theory]
    [InlineData("resnet", NormKind.Instance)]
    [InlineData("unet", NormKind.Batch)]
    [InlineData("unet", NormKind.Instance)]
    [InlineData("patchgan", NormKind.Batch)]
    [InlineData("patchgan", NormKind.Instance)]
    public void ForwardAndEveryGradientMatchTheFloat64Reference(string arch, NormKind norm)
    {
        const int size = 32, width = 4;
        var dev = Device.Cpu;
        using var model = Build(arch, dev, size, width, norm);
        var rng = new Random(TestRandom.Seed($"model-{arch}-{norm}"));
        var x = TestRandom.Array(rng, [2, Channels(arch), size, size]);
        var named = model.NamedParameters().ToList();
        var p = named.ToDictionary(kv => kv.Name, kv => Nd.FromFloats(kv.Tensor.ToArray(), kv.Tensor.Shape));

        var xt = Tensor.FromArray(dev, x.ToFloats(), x.Shape);
        xt.RequiresGrad = true;
        float[] y;
        Nd r;
        using (var tape = new Tape())
        {
            var yt = model.Forward(xt);
            y = yt.ToArray();
            r = TestRandom.Array(rng, yt.Shape);
            tape.Backward(yt, Tensor.FromArray(dev, r.ToFloats(), yt.Shape));
        }
        var expected = Reference(arch, p, x, norm);
        Assert.Equal(expected.Shape, y.Length == expected.Length ? expected.Shape : null);
        Close.Check($"{arch} forward", expected.Data, y, 1e-4);

        // Directional derivative along a random V for the input and for each parameter tensor.
        double L(IReadOnlyDictionary<string, Nd> ps, Nd input) => Reference(arch, ps, input, norm).Dot(r);
        // Weights are ~0.02 and a step along V moves every activation at once: at 1e-4, and with some seeds even at
        // 1e-6, ReLU/LeakyReLU kinks get crossed and the difference quotient no longer measures the derivative. In
        // float64 a step of 1e-8 still leaves rounding near 1e-8 relative, far below the tolerance.
        const double h = 1e-8;
        // A bias right before a norm has a true gradient of 0; float32 leaves rounding noise proportional to the
        // model's gradient magnitudes, so the absolute floor scales with the largest gradient norm.
        double gScale = named.Select(kv => Math.Sqrt(kv.Tensor.Grad!.ToArray().Sum(g => (double)g * g))).Max();
        double floor = 1e-6 * gScale + 1e-7;
        void CheckDirection(string what, Nd at, float[] grad, Func<Nd, double> loss)
        {
            var v = TestRandom.Array(rng, at.Shape);
            Nd Shift(double s) => new(at.Data.Select((a, i) => a + s * v.Data[i]).ToArray(), at.Shape);
            double fd = (loss(Shift(h)) - loss(Shift(-h))) / (2 * h);
            double an = grad.Select((g, i) => g * v.Data[i]).Sum();
            double scale = Math.Sqrt(grad.Sum(g => (double)g * g) * v.Data.Sum(a => a * a)) + 1e-12;
            Assert.True(Math.Abs(fd - an) <= 2e-3 * scale + floor, $"{arch}/{what}: analytic {an:G8}, finite differences {fd:G8} (scale {scale:G4})");
        }
        CheckDirection("input", x, xt.Grad!.ToArray(), nx => L(p, nx));
        foreach (var (name, t) in named)
        {
            Assert.True(t.Grad != null, $"{arch}: parameter {name} got no gradient");
            CheckDirection(name, p[name], t.Grad!.ToArray(), np => L(new Dictionary<string, Nd>(p) { [name] = np }, x));
        }
        xt.Dispose();
    }

    public static IEnumerable<object[]> ShapeCases() =>
        from arch in new[] { "resnet", "unet", "patchgan" } from size in new[] { 64, 128, 256 } select new object[] { arch, size };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    [Trait(TestDevices.Trait, TestDevices.Every)]
    public void OutputShapeOnEveryDeviceAndTheDevicesAgree(string arch, int size)
    {
        const int width = 4;
        var rng = new Random(TestRandom.Seed($"shape-{arch}-{size}"));
        var x = TestRandom.Array(rng, [1, Channels(arch), size, size]).ToFloats();
        int[] expected = arch switch
        {
            "patchgan" => [1, 1, size / 8 - 2, size / 8 - 2],
            _ => [1, 3, size, size],
        };
        float[]? first = null;
        foreach (var name in TestDevices.AllNames)
        {
            var device = TestDevices.Get(name);
            using var model = Build(arch, device, size, width);
            using var scope = Tape.NoGrad();
            var y = model.Forward(Tensor.FromArray(device, x, 1, Channels(arch), size, size));
            Assert.Equal(expected, y.Shape);
            var values = y.ToArray();
            if (first == null) first = values;
            else Close.Check($"{arch} {size}px on {name} vs cpu", first, values, 1e-4);
        }
    }

    [Fact]
    public void UnetRejectsAnInputItCannotHalveEightTimes()
    {
        using var model = new UnetGenerator(new UnetGeneratorConfig(Ngf: 2), Device.Meta);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(Device.Meta, 1, 3, 200, 200)));
        Assert.Contains("multiples of 256", e.Message);
        Assert.Contains("[1,3,200,200]", e.Message);
    }

    [Fact]
    public void ZeroNgfIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 0), Device.Meta));
        Assert.Contains("ngf must be at least 1, got 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new UnetGenerator(new UnetGeneratorConfig(Ngf: 0), Device.Meta));
        Assert.Contains("ngf must be at least 1, got 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new PatchGanDiscriminator(new PatchGanConfig(Ndf: 0), Device.Meta));
        Assert.Contains("ndf must be at least 1, got 0", e.Message);
    }

    [Fact]
    public void WidthListOfTheWrongLengthIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResnetGenerator(new ResnetGeneratorConfig(Widths: new int[13]), Device.Meta));
        Assert.Contains("needs 14 entries", e.Message);
        Assert.Contains("c1, d1, R, b1", e.Message);
        Assert.Contains("got 13", e.Message);
        e = Assert.Throws<ArgumentException>(() => new UnetGenerator(new UnetGeneratorConfig(Widths: new int[14]), Device.Meta));
        Assert.Contains("needs 15 entries", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ResnetGenerator(new ResnetGeneratorConfig(Widths: [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0, 8, 8]), Device.Meta));
        Assert.Contains("width 11 (b9) must be at least 1, got 0", e.Message);
    }

    [Fact]
    public void TooFewDownsamplingsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new UnetGenerator(new UnetGeneratorConfig(NumDowns: 4), Device.Meta));
        Assert.Contains("at least 5 downsamplings", e.Message);
    }

    [Fact]
    public void KeysAreThoseOfTheReferenceStateDict()
    {
        using var resnet = new ResnetGenerator(new ResnetGeneratorConfig(), Device.Meta);
        var keys = resnet.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal(48, keys.Count);
        Assert.Equal("model.1.weight", keys[0]);
        Assert.Contains("model.10.conv_block.5.weight", keys);
        Assert.Equal("model.26.bias", keys[^1]);
        using var unet = new UnetGenerator(new UnetGeneratorConfig(), Device.Meta);
        Assert.Contains("model.model.1.model.3.model.2.running_mean", unet.NamedBuffers().Select(b => b.Name));
        Assert.Contains("model.model.0.weight", unet.NamedParameters().Select(b => b.Name));
    }

    [Fact]
    public void PrunedWidthsGiveTheSameClassWithOtherShapes()
    {
        int[] w = [5, 7, 9, 3, 4, 5, 6, 7, 8, 9, 10, 11, 6, 4];
        using var g = new ResnetGenerator(new ResnetGeneratorConfig(Widths: w), Device.Cpu, seed: 3);
        using var scope = Tape.NoGrad();
        var y = g.Forward(Tensor.RandomNormal(Device.Cpu, 1, 0, 1, 1, 3, 32, 32));
        Assert.Equal([1, 3, 32, 32], y.Shape);
        Assert.Equal([3, 9, 3, 3], g.NamedParameters().First(p => p.Name == "model.10.conv_block.1.weight").Tensor.Shape);
    }
}
