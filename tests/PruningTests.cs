using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Tests;

/// <summary>The hypernetwork generators, extraction, the proximal step in the search, and the controller.</summary>
public class PruningTests
{
    static readonly HyperOptions Hyper = new(Embedding: 8);

    internal static Module HyperResnet(int ngf, Device? d = null, int seed = 3) =>
        new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf), d ?? Device.Cpu, seed, Hyper);

    static Module HyperUnet(int ngf, int numDowns, Device? d = null, int seed = 4) =>
        new UnetGenerator(new UnetGeneratorConfig(Ngf: ngf, NumDowns: numDowns, UseDropout: false), d ?? Device.Cpu, seed, Hyper);

    static HyperNetwork Net(Module m) => ((IPrunableGenerator)m).Hyper!;

    [Fact]
    public void LatentsFollowTheWidthLayout()
    {
        using var r = HyperResnet(4);
        Assert.Equal(14, Net(r).Prunable.Count);
        Assert.Equal(ResnetGenerator.WidthLayout(9).Split(", "), Net(r).Prunable.Select(l => l.Name));
        Assert.Equal(16, Net(r).Latents.All.Count);
        using var u = HyperUnet(4, 8);
        Assert.Equal(15, Net(u).Prunable.Count);
        Assert.Equal(UnetGenerator.WidthLayout(8).Split(", "), Net(u).Prunable.Select(l => l.Name));
        // The residual stream shares one latent: down2's output and every block's second conv.
        var convs = r.NamedModules().Where(m => m.Module is HyperConv).Select(m => (m.Path, (HyperConv)m.Module)).ToList();
        var zR = Net(r).Prunable[2];
        Assert.Same(zR, convs.Single(c => c.Path == "model.7").Item2.ZOut.Parts[0]);
        Assert.All(convs.Where(c => c.Path.EndsWith("conv_block.5", StringComparison.Ordinal)), c => Assert.Same(zR, c.Item2.ZOut.Parts[0]));
        // A U-Net up conv reads cat(z_d, z_u) in the order of the features.
        var up7 = (HyperConv)u.NamedModules().Single(m => m.Path == "model.model.1.model.3.model.3.model.3.model.3.model.3.model.5").Module;
        Assert.Equal(["d7", "u8"], up7.ZIn.Parts.Select(p => p.Name));
    }

    [Theory]
    [InlineData(64, 64, 3)]
    [InlineData(128, 32, 4)]
    [InlineData(16, 48, 7)]
    public void GeneratedWeightsStartWithVarianceOneOverFanIn(int cin, int cout, int k)
    {
        var init = new Init(Device.Cpu, 11);
        var set = new LatentSet();
        var zi = set.Add(init, "a", cin);
        var zo = set.Add(init, "b", cout);
        using var conv = new HyperConv(init, new LatentRef(zi), new LatentRef(zo), k, 1, 0, 0, false, false, 8);
        using var scope = Tape.NoGrad();
        var w = conv.GenerateWeight().ToArray();
        double mean = w.Average(v => (double)v), var = w.Average(v => (v - mean) * (v - mean));
        // The latents are N(0,1) draws; conditioned on the ones drawn, Var(W) = mean(z_in²) mean(z_out²) / (Cin k²).
        double zi2 = zi.Value.ToArray().Average(v => (double)v * v), zo2 = zo.Value.ToArray().Average(v => (double)v * v);
        Assert.InRange(var * cin * k * k / (zi2 * zo2), 0.9, 1.1);
        Assert.InRange(var * cin * k * k, 0.5, 2.0);
        set.Dispose();
    }

    static float[] RunForward(Module m, float[] x, int[] shape)
    {
        using var scope = Tape.NoGrad();
        return m.Forward(Tensor.FromArray(Device.Cpu, x, shape)).ToArray();
    }

    public static IEnumerable<object[]> Families => [["resnet"], ["unet"]];

    [Theory]
    [MemberData(nameof(Families))]
    public void ExtractionWithEveryMaskTrueReproducesTheHyperGenerator(string family)
    {
        using var hyper = family == "resnet" ? HyperResnet(4) : HyperUnet(4, 5);
        var x = TestRandom.Array(new Random(1), [2, 3, 32, 32]).ToFloats();
        // Threshold 0 keeps every entry.
        using var compact = Net(hyper).Extract((IPrunableGenerator)hyper, hyper, 0f, 4);
        Assert.Equal(((IPrunableGenerator)hyper).Hyper!.Prunable.Select(l => l.Channels), Widths(compact));
        hyper.Eval(); compact.Eval();
        Close.Check($"{family} compact vs hyper, full masks", RunForward(hyper, x, [2, 3, 32, 32]), RunForward(compact, x, [2, 3, 32, 32]), 1e-5);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void ExtractionWithRealMasksEqualsTheMaskedHyperGenerator(string family)
    {
        using var hyper = family == "resnet" ? HyperResnet(4) : HyperUnet(4, 5);
        var net = Net(hyper);
        var rng = new Random(9);
        foreach (var z in net.Prunable)
        {
            var v = z.Value.ToArray();
            // Zero a random ~40% of the entries beyond the four largest.
            var order = Enumerable.Range(0, v.Length).OrderByDescending(i => MathF.Abs(v[i])).Skip(4);
            foreach (int i in order) if (rng.NextDouble() < 0.4) v[i] = 0f;
            z.Value.CopyFrom(v);
        }
        var widths = net.Widths(5e-3f, 4);
        Assert.Contains(widths, w => w < 16);
        using var compact = net.Extract((IPrunableGenerator)hyper, hyper, 5e-3f, 4);
        Assert.Equal(widths, Widths(compact));
        var x = TestRandom.Array(new Random(2), [2, 3, 32, 32]).ToFloats();
        net.SetMasking(true, 5e-3f, 4);
        // Training mode: batch statistics per channel, identical in both networks for the kept channels.
        var expected = RunForward(hyper, x, [2, 3, 32, 32]);
        net.SetMasking(false, 5e-3f, 4);
        Close.Check($"{family} compact vs masked hyper", expected, RunForward(compact, x, [2, 3, 32, 32]), 1e-5);
        // The compact model is the plain class, MAC-countable like any other.
        var macs = MacCounter.Count(compact, 1, 3, 32, 32).Macs;
        Assert.Equal(HyperNetwork.Macs((IPrunableGenerator)hyper, widths, 32), macs);
    }

    static IReadOnlyList<int> Widths(Module m) => m switch
    {
        ResnetGenerator r => r.Widths,
        UnetGenerator u => u.Widths,
        _ => throw new ArgumentException(m.GetType().Name),
    };

    [Fact]
    public void AfterStepShrinksPrunableLatentsAndLeavesFixedOnes()
    {
        using var g = HyperResnet(4);
        var net = Net(g);
        var fixedBefore = net.Latents.All.Where(l => l.IsFixed).Select(l => l.Value.ToArray()).ToList();
        var prunableBefore = net.Prunable.Select(l => l.Value.ToArray()).ToList();
        var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, Lambda: 100f, ImageSize: 32, CheckEvery: 1000));
        search.AfterStep(1e-3f);
        Assert.Equal(fixedBefore, net.Latents.All.Where(l => l.IsFixed).Select(l => l.Value.ToArray()).ToList());
        for (int i = 0; i < prunableBefore.Count; i++)
        {
            var after = net.Prunable[i].Value.ToArray();
            var before = prunableBefore[i];
            var top = before.Select(MathF.Abs).OrderByDescending(a => a).ElementAt(3);
            for (int j = 0; j < before.Length; j++)
            {
                float a = MathF.Abs(before[j]);
                float expected = a >= top ? before[j] : a <= 0.1f ? 0f : MathF.CopySign(a - 0.1f, before[j]);
                Assert.Equal(expected, after[j], 1e-6f);
            }
        }
    }

    /// <summary>
    /// The issue's scenario: ResNet generator ngf 16 at 64 pixels, target 0.3, random data; lambda starts at DHP's 0.1
    /// and the controller raises it to arrive within the 400-step budget. (Seeds 1-7 were tried while tuning the
    /// controller; one runs here to keep the suite short.)
    /// </summary>
    [Theory]
    [InlineData(3)]
    public void SearchToRatio0_3StopsByTheRuleWithinTheStopWindow(int seed)
    {
        using var g = HyperResnet(16, seed: seed);
        var settings = new SearchSettings(TargetRatio: 0.3, Lambda: 0.1f, CheckEvery: 20, StepBudget: 400, ImageSize: 64);
        var (search, state) = PruningTests.SearchOnL1(g, settings, 64, 400);
        Assert.True(state == SearchState.Reached, string.Join("\n", search.History));
        using var compact = search.Extract();
        double ratio = (double)MacCounter.Count(compact, 1, 3, 64, 64).Macs / search.FullMacs;
        Assert.True(ratio <= 0.3 && ratio >= 0.3 * (1 - settings.StopTolerance), $"compact at {ratio:P2}; log:\n{string.Join("\n", search.History)}");
        Assert.Contains(search.History, l => l.Contains("lambda", StringComparison.Ordinal));
    }

    [Fact]
    public void ExhaustedBudgetMeetsTheTargetByForce()
    {
        using var g = HyperResnet(8, seed: 5);
        var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.2, Lambda: 0f, CheckEvery: 5, StepBudget: 5, ImageSize: 32));
        SearchState state = SearchState.Searching;
        for (int i = 0; i < 5; i++) state = search.AfterStep(2e-4f);
        Assert.Equal(SearchState.Forced, state);
        Assert.True(search.CurrentRatio <= 0.2 && search.CurrentRatio >= 0.2 * 0.96, $"{search.CurrentRatio}");
        using var compact = search.Extract();
        Assert.Equal(search.CurrentWidths, ((ResnetGenerator)compact).Widths);
    }

    /// <summary>
    /// The papers' MAC points land in [(1 - tolerance) x target, target], whether a large proximal step overshoots (the
    /// pruned channels nearest the threshold are re-admitted) or the budget forces the cut. No forward pass is needed:
    /// the proximal step and the MAC checks act on the latents alone, and the MACs are counted at 256 px.
    /// </summary>
    [Theory]
    [InlineData("resnet9", 0.25)]
    [InlineData("resnet9", 0.1)]
    [InlineData("resnet9", 0.047)]
    [InlineData("unet", 0.25)]
    [InlineData("unet", 0.1)]
    [InlineData("unet", 0.047)]
    public void SmallTargetsLandInTheWindowWhenOvershotOrForced(string arch, double target)
    {
        foreach (bool forced in new[] { false, true })
        {
            using var g = arch == "resnet9" ? HyperResnet(32, seed: 9) : HyperUnet(32, 8, seed: 9);
            // Overshoot: a shrink so large that one step zeroes far more than the target asks. Forced: no pressure at all.
            var settings = new SearchSettings(TargetRatio: target, Lambda: forced ? 0f : 1000f, CheckEvery: 1, StepBudget: forced ? 1 : 1000, ImageSize: 256);
            var search = new PruningSearch(g, settings);
            // With a learning rate of 1 the first proximal step shrinks by 1000: everything but the guarded entries goes.
            var state = search.AfterStep(forced ? 2e-4f : 1f);
            Assert.Equal(forced ? SearchState.Forced : SearchState.Reached, state);
            double ratio = search.CurrentRatio;
            Assert.True(ratio <= target && ratio >= target * (1 - settings.StopTolerance),
                $"{arch} {(forced ? "forced" : "overshot")}: {ratio:P3} for a target of {target:P3}\n{string.Join("\n", search.History)}");
            Assert.Equal(search.CurrentWidths, Net(g).Widths(settings.PruneThreshold, settings.MinChannels));
        }
    }

    /// <summary>
    /// Re-admitting after an overshoot tries many candidates, but a candidate only changes one layer's width by one, so
    /// the MACs are counted once per distinct width list: at most once per re-admitted channel plus once per layer
    /// (the first refused candidate of a layer; the layer's later ones repeat its widths), plus the checks themselves.
    /// </summary>
    [Fact]
    public void ReadmitCountsTheMacsOfEachWidthListOnce()
    {
        using var g = HyperResnet(32, seed: 9);
        var settings = new SearchSettings(TargetRatio: 0.1, Lambda: 1000f, CheckEvery: 1, StepBudget: 1000, ImageSize: 256);
        var search = new PruningSearch(g, settings);
        Assert.Equal(SearchState.Reached, search.AfterStep(1f));
        var line = search.History.Single(l => l.Contains("re-admitted", StringComparison.Ordinal));
        int added = int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"re-admitted (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int layers = Net(g).Prunable.Count;
        int candidates = Net(g).Prunable.Sum(z => z.Channels) - search.CurrentWidths.Sum() + added;
        Assert.True(added > 0, line);
        Assert.InRange(search.MacCounts, 1, 1 + added + layers);
        Assert.True(search.MacCounts < candidates, $"{search.MacCounts} counts for {candidates} candidates");
    }

    /// <summary>GAN Compression's CycleGAN point: 2.67 GMACs on ResNet-9 ngf 64 (at 256 px) ends in [2.54, 2.67].</summary>
    [Fact]
    public void GanCompressionsCycleGanPointEndsAtItsGMacs()
    {
        foreach (bool forced in new[] { false, true })
        {
            using var g = HyperResnet(64, seed: 2);
            var search = new PruningSearch(g, new SearchSettings(TargetGMacs: 2.67, Lambda: forced ? 0f : 1000f, CheckEvery: 1, StepBudget: forced ? 1 : 1000, ImageSize: 256));
            search.AfterStep(forced ? 2e-4f : 1f);
            double gmacs = search.CurrentRatio * search.FullMacs / 1e9;
            Assert.True(gmacs is >= 2.54 and <= 2.67, $"{(forced ? "forced" : "overshot")}: {gmacs:F4} GMACs\n{string.Join("\n", search.History)}");
        }
    }

    [Fact]
    public void BadSettingsAreRefusedNamingTheLimit()
    {
        using var g = HyperResnet(4);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0, ImageSize: 32))).Message);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 1.5, ImageSize: 32))).Message);
        Assert.Contains("lambda (TrainOptions.Prune.Lambda) must be in [0, 1000]", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, Lambda: -1, ImageSize: 32))).Message);
        var e = Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.01, ImageSize: 32)));
        Assert.Contains("minimum channel count", e.Message);
        Assert.Contains("4 channels per prunable layer", e.Message);
        Assert.Contains("exactly one target", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, TargetGMacs: 1, ImageSize: 32))).Message);
        Assert.Contains("exceeds the full generator", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetGMacs: 1000, ImageSize: 32))).Message);
        using var plain = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4), Device.Meta);
        Assert.Contains("hypernetwork", Assert.Throws<ArgumentException>(() => new PruningSearch(plain, new SearchSettings(TargetRatio: 0.5))).Message);
    }

    [Fact]
    [Trait(TestDevices.Trait, TestDevices.Every)]
    public void HyperGeneratorsAgreeAcrossDevices()
    {
        var x = TestRandom.Array(new Random(3), [1, 3, 32, 32]).ToFloats();
        float[]? first = null;
        foreach (var name in TestDevices.Names)
        {
            var d = TestDevices.Get(name);
            using var g = HyperResnet(4, d, seed: 8);
            using var scope = Tape.NoGrad();
            var y = g.Forward(Tensor.FromArray(d, x, 1, 3, 32, 32)).ToArray();
            if (first == null) first = y; else Close.Check($"hyper resnet on {name}", first, y, 1e-4);
        }
    }

    [Fact]
    public void GeneratedWeightsAreReusedWithinATapeAndGradientsSumOverUses()
    {
        using var g = HyperResnet(4, seed: 12);
        var conv = (HyperConv)g.NamedModules().First(m => m.Module is HyperConv).Module;
        var x = Tensor.RandomUniform(Device.Cpu, 1, -1f, 1f, 1, 3, 32, 32);
        float[] Grad1(int uses)
        {
            conv.Weight2.ZeroGrad();
            using var tape = new Tape();
            var w1 = conv.GenerateWeight();
            Assert.Same(w1, conv.GenerateWeight());
            var loss = Ops.Mean(g.Forward(x));
            for (int i = 1; i < uses; i++) loss = Ops.Add(loss, Ops.Mean(g.Forward(x)));
            tape.Backward(loss);
            return conv.Weight2.Grad!.ToArray();
        }
        var once = Grad1(1);
        var twice = Grad1(2);
        Close.Check("two uses = twice the gradient", once.Select(v => 2.0 * v).ToArray(), twice, 1e-5);
        using (var tape = new Tape())
        {
            var w = conv.GenerateWeight();
            conv.Weight2.CopyFrom(conv.Weight2.ToArray().Select(v => v * 2f).ToArray());
            Assert.NotSame(w, conv.GenerateWeight());
        }
    }

    /// <summary>
    /// The search on a fixed L1 regression (random input and target of <paramref name="size"/> pixels, Adam 2e-4) until it
    /// leaves the searching state or <paramref name="steps"/> steps pass; returns the search and its last state.
    /// </summary>
    internal static (PruningSearch Search, SearchState State) SearchOnL1(Module g, SearchSettings settings, int size, int steps)
    {
        var search = new PruningSearch(g, settings);
        using var parameters = g.Parameters();
        using var adam = new Adam(parameters, lr: 2e-4f);
        var x = Tensor.RandomUniform(Device.Cpu, 1, -1f, 1f, 1, 3, size, size);
        var target = Tensor.RandomUniform(Device.Cpu, 2, -1f, 1f, 1, 3, size, size);
        var state = SearchState.Searching;
        for (int step = 0; step < steps && state == SearchState.Searching; step++)
        {
            using (var tape = new Tape())
                tape.Backward(Ops.L1Loss(g.Forward(x), target));
            adam.Step();
            adam.ZeroGrad();
            state = search.AfterStep(adam.LearningRate);
        }
        return (search, state);
    }
}
