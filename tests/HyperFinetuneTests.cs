using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// The fine-tune in the hypernetwork's form (<c>--finetune-from hyper</c>, issue 14.3): at the cut a hyper generator of
/// the compact widths takes the kept latent entries and hypernetwork slices, computes what the plain extraction
/// computes, trains, and is written as a plain generator (its bit-exact resume: FinetuneStartTests).
/// </summary>
public sealed class HyperFinetuneTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-hyper-finetune-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static Module Hyper(string family, IReadOnlyList<int>? widths, int seed) => family switch
    {
        "resnet" => new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: 3, Norm: NormKind.Instance, Widths: widths), Device.Cpu, seed, new HyperOptions(Embedding: 8)),
        "unet" => new UnetGenerator(new UnetGeneratorConfig(Ngf: 8, NumDowns: 5, UseDropout: false, Norm: NormKind.Batch, Widths: widths), Device.Cpu, seed, new HyperOptions(Embedding: 8)),
        _ => new DcganGenerator(new DcganGeneratorConfig(Nz: 6, Ngf: 8, ImageSize: 32, Widths: widths), Device.Cpu, seed, new HyperOptions(Embedding: 8)),
    };

    static float[] Run(Module g, float[] x, int[] shape)
    {
        using (Tape.NoGrad()) return g.Forward(Tensor.FromArray(Device.Cpu, x, shape)).ToArray();
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("unet")]
    [InlineData("dcgan")]
    public void TheCompactHyperGeneratorComputesWhatThePlainExtractionDoes(string family)
    {
        using var full = Hyper(family, null, 11);
        var net = ((IPrunableGenerator)full).Hyper!;
        // Latents as after a search: some entries shrunk under the threshold, the others spread above it.
        var rng = new Random(4);
        foreach (var z in net.Prunable)
        {
            var v = z.Value.ToArray();
            for (int i = 0; i < v.Length; i++) v[i] = i % 3 == 1 ? 1e-4f : (float)(0.2 + 1.5 * rng.NextDouble());
            z.Value.CopyFrom(v);
        }
        // Trained hypernetwork biases, so the slices of every tensor matter (they start at zero).
        foreach (var hc in full.NamedModules().Select(m => m.Module).OfType<HyperConv>())
            foreach (var t in new[] { hc.Bias0, hc.Bias1, hc.Bias2 })
                t.CopyFrom(TestRandom.Array(rng, t.Shape).ToFloats().Select(v => 0.05f * v).ToArray());
        using var plain = net.Extract((IPrunableGenerator)full, full, 1e-2f, 1);
        var widths = ModelFactory.Widths(plain);
        Assert.True(widths.Sum() < ModelFactory.Widths(full).Sum());
        using var compact = Hyper(family, widths, 99);
        net.CopyKept(full, compact, 1e-2f, 1);
        Assert.NotNull(((IPrunableGenerator)compact).Hyper);
        Assert.Equal(widths, ModelFactory.Widths(compact));

        int[] shape = family == "dcgan" ? [2, 6, 1, 1] : [2, 3, 32, 32];
        var x = TestRandom.Array(new Random(2), shape).ToFloats();
        var expected = Run(plain, x, shape);
        Close.Check($"{family}: compact hyper vs plain extraction", expected, Run(compact, x, shape), 1e-5);
        // Written out, the compact hyper generator is the plain extraction, to the bit (the same host weight generation).
        using var materialised = HyperNetwork.Materialise(compact);
        Assert.Null((materialised as IPrunableGenerator)?.Hyper);
        Assert.True(ExtractionDiagnosticsTests.SameState(plain, materialised));
        // A target of other widths is refused with both shapes named.
        using var wrong = Hyper(family, widths.Select(w => w + 1).ToArray(), 0);
        Assert.Contains("kept slice", Assert.Throws<ArgumentException>(() => net.CopyKept(full, wrong, 1e-2f, 1)).Message);
        Assert.Contains("already plain", Assert.Throws<ArgumentException>(() => HyperNetwork.Materialise(plain)).Message);
    }

    static TrainOptions Pix2Pix(string dir, FinetuneStart from) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: 8, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3, CheckpointEvery: 0,
        Prune: new PruneOptions(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2, FinetuneFrom: from));

    static SyntheticImages Paired() => new(6, 32, paired: true, 0);

    [Fact]
    public void ARunFinetunesTheHyperFormAndWritesPlainModels()
    {
        var test = new SyntheticImages(4, 32, paired: true, 1);
        using var published = Trainer.Create(Pix2Pix(Path.Combine(_dir, "p"), FinetuneStart.Extracted), Paired(), test);
        using var hyper = Trainer.Create(Pix2Pix(Path.Combine(_dir, "h"), FinetuneStart.Hyper), Paired(), test);
        var log = new List<string>();
        hyper.Log += log.Add;
        foreach (var t in new[] { published, hyper })
            while (t.Phase == Trainer.SearchPhase) t.RunStep();
        var gp = published.CurrentGenerators["G"];
        var gh = hyper.CurrentGenerators["G"];
        // The same search, cut to the same widths; the hyper one starts as exactly the published extraction.
        Assert.NotNull(((IPrunableGenerator)gh).Hyper);
        Assert.Equal(ModelFactory.Widths(gp), ModelFactory.Widths(gh));
        using (var start = HyperNetwork.Materialise(gh)) Assert.True(ExtractionDiagnosticsTests.SameState(gp, start));
        Assert.Contains(log, l => l.Contains("keeps the hypernetwork's form"));

        var pr = published.Run();
        var hr = hyper.Run();
        // The files are plain models of the compact widths; extracted.safetensors is the extraction, as in the published run.
        using var compact = ModelFile.Load(hr.CompactModel, Device.Cpu);
        Assert.Null((compact as IPrunableGenerator)?.Hyper);
        Assert.Equal(pr.Widths, ModelFactory.Widths(compact));
        Assert.Equal(pr.CompactParams, hr.CompactParams);
        Assert.Equal(compact.ParameterCount, hr.CompactParams);
        Assert.Equal(pr.CompactMacs, hr.CompactMacs);
        using var ep = ModelFile.Load(pr.ExtractedModel!, Device.Cpu);
        using var eh = ModelFile.Load(hr.ExtractedModel!, Device.Cpu);
        Assert.True(ExtractionDiagnosticsTests.SameState(ep, eh));
        // The fine-tune trained the latents and the hypernetwork (the G optimizer holds them): the weights moved, and not as
        // the published run's plain weights did.
        Assert.False(ExtractionDiagnosticsTests.SameState(eh, compact));
        using var cp = ModelFile.Load(pr.CompactModel, Device.Cpu);
        Assert.False(ExtractionDiagnosticsTests.SameState(cp, compact));
        // The scores are of the written model, and the trainer keeps its hyper generator after the run.
        Assert.NotNull(hr.Test);
        Assert.Equal(TestEvaluator.Score(compact, Device.Cpu, 32, test, Paired()).L1, hr.Test!.L1);
        Assert.NotNull(((IPrunableGenerator)hyper.CurrentGenerators["G"]).Hyper);
    }
}
