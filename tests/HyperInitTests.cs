using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Tests;

/// <summary>A pruning search that starts from a trained generator (<see cref="HyperInit"/>): reproduction at step 0, and a
/// search that still prunes from there.</summary>
public class HyperInitTests
{
    static readonly HyperOptions Hyper = new(Embedding: 8);

    /// <summary>ResNet (two transposed convs, instance norm) and U-Net (transposed up convs, batch norm with running statistics).</summary>
    public static IEnumerable<object[]> Cases => TestDevices.Cross(["resnet"], ["unet"]);

    static Module Plain(string family, Device d, int seed, int ngf = 4, NormKind? norm = null) => family == "resnet"
        ? new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf, Blocks: 3, Norm: norm ?? NormKind.Instance), d, seed)
        : new UnetGenerator(new UnetGeneratorConfig(Ngf: ngf, NumDowns: 5, UseDropout: false, Norm: norm ?? NormKind.Batch), d, seed);

    static Module HyperGen(string family, Device d, int seed, int ngf = 4, NormKind? norm = null) => family == "resnet"
        ? new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf, Blocks: 3, Norm: norm ?? NormKind.Instance), d, seed, Hyper)
        : new UnetGenerator(new UnetGeneratorConfig(Ngf: ngf, NumDowns: 5, UseDropout: false, Norm: norm ?? NormKind.Batch), d, seed, Hyper);

    /// <summary>A plain generator whose every tensor is random and far from the init (as after training): weights
    /// of several scales, nonzero biases, norm affines and running statistics, a step counter.</summary>
    static Module Trained(string family, Device d, int seed, int ngf = 4, NormKind? norm = null)
    {
        var g = Plain(family, d, seed, ngf, norm);
        var rng = new Random(seed);
        foreach (var (name, t) in g.NamedParameters().Concat(g.NamedBuffers()))
        {
            double scale = name.EndsWith(".weight", StringComparison.Ordinal) && t.Rank == 4 ? 0.05 + rng.NextDouble() : 0.5;
            var v = new float[t.Length];
            for (int i = 0; i < v.Length; i++)
                v[i] = name.EndsWith("running_var", StringComparison.Ordinal) ? (float)(0.5 + rng.NextDouble()) : (float)(scale * (2 * rng.NextDouble() - 1));
            t.CopyFrom(v);
        }
        foreach (var (_, m) in g.NamedModules()) if (m is BatchNorm2d bn) bn.NumBatchesTracked = 1234;
        return g;
    }

    static HyperNetwork Net(Module m) => ((IPrunableGenerator)m).Hyper!;

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedWeightsEqualTheTrainedOnesAtStepZero(string device, string family)
    {
        var d = TestDevices.Get(device);
        using var trained = Trained(family, d, 21);
        using var hyper = HyperGen(family, d, 22);
        HyperInit.FromPlain(hyper, trained, "trained.safetensors");

        var plainModules = trained.NamedModules().ToDictionary(m => m.Path, m => m.Module);
        int convs = 0, transposed = 0;
        foreach (var (path, module) in hyper.NamedModules())
        {
            if (module is not HyperConv hc) continue;
            var expected = plainModules[path] switch
            {
                Conv2d c => c.Weight.ToArray(),
                ConvTranspose2d c => c.Weight.ToArray(),
                var other => throw new InvalidOperationException(other.GetType().Name),
            };
            float[] actual;
            using (Tape.NoGrad()) actual = hc.GenerateWeight().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
            Assert.True(worst <= 1e-6, $"{family} on {device}: {path} generates weights {worst:G3} (max abs) away from the trained ones");
            convs++;
            if (hc.Transposed) transposed++;
        }
        Assert.True(convs >= 8 && transposed >= 2, $"{convs} convs, {transposed} transposed");

        // Everything else (conv biases, norm affines, running statistics, step counters) is copied exactly.
        var hyperTensors = hyper.NamedParameters().Concat(hyper.NamedBuffers()).ToDictionary(p => p.Name, p => p.Tensor);
        int copied = 0;
        foreach (var (name, t) in trained.NamedParameters().Concat(trained.NamedBuffers()))
        {
            if (plainModules[name[..name.LastIndexOf('.')]] is Conv2d or ConvTranspose2d && name.EndsWith(".weight", StringComparison.Ordinal)) continue;
            Assert.Equal(t.ToArray(), hyperTensors[name].ToArray());
            copied++;
        }
        Assert.True(copied > 0);
        foreach (var (path, m) in hyper.NamedModules())
            if (m is BatchNorm2d bn) Assert.Equal(1234, bn.NumBatchesTracked);

        // So the whole generator computes what the trained one does.
        var x = TestRandom.Array(new Random(5), [1, 3, 32, 32]).ToFloats();
        trained.Eval(); hyper.Eval();
        using var scope = Tape.NoGrad();
        Close.Check($"{family} on {device}: hyper output vs trained output", trained.Forward(Tensor.FromArray(d, x, 1, 3, 32, 32)).ToArray(),
            hyper.Forward(Tensor.FromArray(d, x, 1, 3, 32, 32)).ToArray(), 1e-4);
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("unet")]
    public void TheSearchStillActsOnTheLatents(string family)
    {
        using var trained = Trained(family, Device.Cpu, 31, ngf: 8);
        using var hyper = HyperGen(family, Device.Cpu, 32, ngf: 8);
        HyperInit.FromPlain(hyper, trained);
        var net = Net(hyper);

        // Every prunable latent gets a gradient from an ordinary loss.
        var x = Tensor.RandomUniform(Device.Cpu, 7, -1f, 1f, 1, 3, 32, 32);
        var target = Tensor.RandomUniform(Device.Cpu, 8, -1f, 1f, 1, 3, 32, 32);
        using (var tape = new Tape())
            tape.Backward(Ops.L1Loss(hyper.Forward(x), target));
        foreach (var z in net.Prunable)
            Assert.True(z.Value.Grad!.ToArray().Any(g => g != 0f), $"{family}: latent {z.Name} got no gradient");

        // A latent entry at zero zeroes its channel's generated weights, on the producing and on the consuming side.
        var zc = net.Prunable[0];
        var v = zc.Value.ToArray();
        v[1] = 0f;
        zc.Value.CopyFrom(v);
        int zeroed = 0;
        foreach (var (_, module) in hyper.NamedModules())
        {
            if (module is not HyperConv hc) continue;
            float[] w;
            using (Tape.NoGrad()) w = hc.GenerateWeight().ToArray();
            int cin = hc.ZIn.Channels, cout = hc.ZOut.Channels, kk = hc.Kernel * hc.Kernel;
            int outAt = OffsetOf(hc.ZOut, zc), inAt = OffsetOf(hc.ZIn, zc);
            for (int i = 0; i < cin; i++)
                for (int j = 0; j < cout; j++)
                {
                    bool pruned = outAt >= 0 && j == outAt + 1 || inAt >= 0 && i == inAt + 1;
                    if (!pruned) continue;
                    for (int q = 0; q < kk; q++)
                    {
                        int at = hc.Transposed ? (i * cout + j) * kk + q : (j * cin + i) * kk + q;
                        Assert.Equal(0f, w[at]);
                        zeroed++;
                    }
                }
        }
        Assert.True(zeroed > 0);

        // The proximal step still prunes: a large shrink zeroes all but the guarded entries.
        var search = new PruningSearch(hyper, new SearchSettings(TargetRatio: 0.7, Lambda: 1000f, ImageSize: 32, CheckEvery: 1000));
        search.AfterStep(1e-2f);
        Assert.All(net.Prunable, z => Assert.Equal(z.Channels - 4, z.Value.ToArray().Count(e => e == 0f)));

        // And the pruned channels vanish: the compact generator computes what the masked searching one does.
        var widths = net.Widths(5e-3f, 4);
        using var compact = net.Extract((IPrunableGenerator)hyper, hyper, 5e-3f, 4);
        var input = TestRandom.Array(new Random(2), [2, 3, 32, 32]).ToFloats();
        net.SetMasking(true, 5e-3f, 4);
        float[] expected;
        using (Tape.NoGrad()) expected = hyper.Forward(Tensor.FromArray(Device.Cpu, input, 2, 3, 32, 32)).ToArray();
        net.SetMasking(false, 5e-3f, 4);
        float[] actual;
        using (Tape.NoGrad()) actual = compact.Forward(Tensor.FromArray(Device.Cpu, input, 2, 3, 32, 32)).ToArray();
        Close.Check($"{family}: compact vs masked hyper after a search from trained weights", expected, actual, 1e-5);
        Assert.Equal(HyperNetwork.Macs((IPrunableGenerator)hyper, widths, 32), MacCounter.Count(compact, 1, 3, 32, 32).Macs);
    }

    /// <summary>Offset of <paramref name="z"/>'s channels within a layer's (possibly concatenated) latent; -1 when absent.</summary>
    static int OffsetOf(LatentRef r, Latent z)
    {
        int offset = 0;
        foreach (var p in r.Parts)
        {
            if (ReferenceEquals(p, z)) return offset;
            offset += p.Channels;
        }
        return -1;
    }

    /// <summary>A short search from trained weights on random data reaches its MAC target by the stop rule.</summary>
    [Fact]
    public void ASearchFromTrainedWeightsReachesItsTarget()
    {
        using var trained = Trained("resnet", Device.Cpu, 41, ngf: 8);
        using var g = HyperGen("resnet", Device.Cpu, 42, ngf: 8);
        HyperInit.FromPlain(g, trained);
        var settings = new SearchSettings(TargetRatio: 0.3, Lambda: 0.1f, CheckEvery: 10, StepBudget: 150, ImageSize: 32);
        var (search, state) = PruningTests.SearchOnL1(g, settings, 32, 150);
        Assert.True(state == SearchState.Reached, string.Join("\n", search.History));
        using var compact = search.Extract();
        double ratio = (double)MacCounter.Count(compact, 1, 3, 32, 32).Macs / search.FullMacs;
        Assert.True(ratio <= 0.3 && ratio >= 0.3 * (1 - settings.StopTolerance), $"compact at {ratio:P2}; log:\n{string.Join("\n", search.History)}");
    }

    [Fact]
    public void AMismatchedGeneratorIsRefusedNamingKeyAndShapes()
    {
        using var hyper = HyperGen("resnet", Device.Cpu, 1, ngf: 4);
        using var wider = Plain("resnet", Device.Cpu, 2, ngf: 8);
        var e = Assert.Throws<StateDictMismatchException>(() => HyperInit.FromPlain(hyper, wider, "wide.safetensors"));
        Assert.Contains("wide.safetensors", e.Message);
        Assert.Contains("model.1.weight", e.Message);
        Assert.Contains("[4,3,7,7]", e.Message);
        Assert.Contains("[8,3,7,7]", e.Message);
        using var batchNorm = Plain("resnet", Device.Cpu, 2, ngf: 4, norm: NormKind.Batch);
        var n = Assert.Throws<StateDictMismatchException>(() => HyperInit.FromPlain(hyper, batchNorm, "bn.safetensors"));
        Assert.Contains("running_mean", n.Message);
        using var unet = Plain("unet", Device.Cpu, 2);
        Assert.Throws<StateDictMismatchException>(() => HyperInit.FromPlain(hyper, unet, "unet.safetensors"));
        using var plainTarget = Plain("resnet", Device.Cpu, 3);
        Assert.Contains("hypernetwork", Assert.Throws<ArgumentException>(() => HyperInit.FromPlain(plainTarget, wider)).Message);
    }
}
