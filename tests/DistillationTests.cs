using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using static CoroNetGAN.Tests.CliRunner;

namespace CoroNetGAN.Tests;

/// <summary>
/// Self-distillation in the fine-tune (<c>--finetune-distill W</c>, issue 14.3): the compact generator's loss adds
/// W x mean |G(x) - T(x)|, T being the generator as it was at the cut (full width, frozen, kept in checkpoints).
/// </summary>
public sealed class DistillationTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-distill-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static PruneOptions Prune(float distill, DistillSchedule schedule = DistillSchedule.Constant) =>
        new(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2, FinetuneDistill: distill, DistillSchedule: schedule);

    static TrainOptions Pix2Pix(string dir, float distill) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: 8, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3, CheckpointEvery: 0, Prune: Prune(distill));

    static TrainOptions CycleGan(string dir, float distill, DistillSchedule schedule) => new(
        TrainMode.CycleGan, Size: 32, TotalSteps: 12, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 5, CheckpointEvery: 3, Prune: Prune(distill, schedule));

    static SyntheticImages Paired() => new(6, 32, paired: true, 0);

    static Module HyperGen(string family, int seed) => family == "resnet"
        ? new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: 3, Norm: NormKind.Instance), Device.Cpu, seed, new HyperOptions(Embedding: 8))
        : new UnetGenerator(new UnetGeneratorConfig(Ngf: 8, NumDowns: 5, UseDropout: false, Norm: NormKind.Batch), Device.Cpu, seed, new HyperOptions(Embedding: 8));

    [Theory]
    [InlineData("resnet")]
    [InlineData("unet")]
    public void TheMaterialisedTeacherComputesWhatTheHyperGeneratorDoes(string family)
    {
        using var hyper = HyperGen(family, 11);
        var net = ((IPrunableGenerator)hyper).Hyper!;
        // Latents as after a search: scaled away from their init, some entries shrunk to zero, others just above it.
        var rng = new Random(4);
        foreach (var z in net.Prunable)
        {
            var v = z.Value.ToArray();
            for (int i = 0; i < v.Length; i++) v[i] = i % 5 == 1 ? 0f : i % 7 == 2 ? 1e-3f : (float)(0.2 + 1.5 * rng.NextDouble());
            z.Value.CopyFrom(v);
        }
        var search = new PruningSearch(hyper, new SearchSettings(TargetRatio: 0.5, ImageSize: 32, CheckEvery: 1000));
        using var teacher = search.Materialise();
        // Every channel kept: the full widths, and a plain model (no hypernetwork) of the full MACs.
        Assert.Null((teacher as IPrunableGenerator)?.Hyper);
        Assert.Equal(search.FullMacs, MacCounter.Count(teacher, 1, 3, 32, 32).Macs);
        var x = TestRandom.Array(new Random(2), [2, 3, 32, 32]).ToFloats();
        float[] expected, actual;
        using (Tape.NoGrad()) expected = hyper.Forward(Tensor.FromArray(Device.Cpu, x, 2, 3, 32, 32)).ToArray();
        using (Tape.NoGrad()) actual = teacher.Forward(Tensor.FromArray(Device.Cpu, x, 2, 3, 32, 32)).ToArray();
        Close.Check($"{family}: materialised vs hyper generator", expected, actual, 1e-5);
    }

    [Fact]
    public void TheFinetuneDistilsFromAFrozenTeacherAndTheTermEntersTheGeneratorLoss()
    {
        using var published = Trainer.Create(Pix2Pix(Path.Combine(_dir, "p"), 0f), Paired());
        using var distil = Trainer.Create(Pix2Pix(Path.Combine(_dir, "d"), 25f), Paired());
        foreach (var t in new[] { published, distil })
            while (t.Phase == Trainer.SearchPhase) t.RunStep();
        Assert.Empty(published.Teachers);
        var teacher = distil.Teachers["G"];
        var g = distil.CurrentGenerators["G"];
        // Full width, frozen, and not the compact generator.
        Assert.True(ModelFactory.Widths(teacher).Zip(ModelFactory.Widths(g)).All(p => p.First >= p.Second));
        Assert.True(ModelFactory.Widths(teacher).Sum() > ModelFactory.Widths(g).Sum());
        Assert.All(teacher.NamedParameters(), p => Assert.False(p.Tensor.RequiresGrad));
        // The same search, so the same extracted generator; the distilling one then trains differently.
        Assert.True(ExtractionDiagnosticsTests.SameState(published.CurrentGenerators["G"], g));
        var before = teacher.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.ToArray());
        published.RunStep();
        var progress = distil.RunStep();
        var l = distil.LastStepLosses;
        Assert.True(l["G_distill"] > 0);
        Assert.Equal(l["G_GAN"] + l["G_L1"] + l["G_distill"], l["G"], 3e-5 * l["G"]);
        Assert.Equal(l["G_distill"], progress.Losses["G_distill"]);
        Assert.False(published.LastStepLosses.ContainsKey("G_distill") && published.LastStepLosses["G_distill"] != 0);
        Assert.False(ExtractionDiagnosticsTests.SameState(published.CurrentGenerators["G"], distil.CurrentGenerators["G"]));
        // The teacher did not move (its parameters take no gradient; a pix2pix U-Net's running statistics may, so only parameters).
        foreach (var (name, p) in teacher.NamedParameters()) Assert.Equal(before[name], p.ToArray());
    }

    [Fact]
    public void DistillingCycleGanRunsResumeBitExactFromACheckpointAfterTheCut()
    {
        // The linear schedule too: its weight depends on the extraction step, which the resumed run must recover.
        var a = CycleGan(Path.Combine(_dir, "a"), 10f, DistillSchedule.Linear);
        var b = a with { OutputDirectory = Path.Combine(_dir, "b") };
        using (var t = Trainer.Create(a, Paired()))
        {
            t.Run();
            Assert.Equal(["G_A", "G_B"], t.Teachers.Keys.Order());
            Assert.Contains("distill_A", t.History[^1].Losses.Keys);
            Assert.Contains("distill_B", t.History[^1].Losses.Keys);
        }
        using (var t = Trainer.Create(b, Paired()))
        {
            using var cts = new CancellationTokenSource();
            t.Progress += p => { if (p.Step == 10) cts.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => t.Run(cts.Token));
            Assert.NotEqual(Trainer.SearchPhase, t.Phase);
        }
        // The newest checkpoint (step 9) is past the cut: the teachers come back from it.
        using (var t = Trainer.Resume(b.OutputDirectory, Paired(), expected: b))
        {
            Assert.Equal(2, t.Teachers.Count);
            t.Run();
        }
        foreach (var f in new[] { "extracted.safetensors", "compact.safetensors", "compact_BtoA.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.OutputDirectory, f)), File.ReadAllBytes(Path.Combine(b.OutputDirectory, f)));
        // A run cannot switch it midway.
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(a, a with { Prune = Prune(0f) }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Prune.FinetuneDistill: 10 -> 0", message);
        Assert.Contains("TrainOptions.Prune.DistillSchedule: linear -> constant", message);
        Assert.Contains("--finetune-distill", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
    }

    [Fact]
    public void TheLinearScheduleFallsFromTheWeightAtTheCutToZeroAtTheEnd()
    {
        var o = Pix2Pix(Path.Combine(_dir, "lin"), 8f) with { Prune = Prune(8f, DistillSchedule.Linear), TotalSteps = 10 };
        using var t = Trainer.Create(o, Paired());
        while (t.Phase == Trainer.SearchPhase) t.RunStep();
        long cut = t.Step, total = o.TotalSteps;
        Assert.True(cut is > 0 and < 10);
        for (long step = cut; step < total; step++)
            Assert.Equal(8.0 * (total - step) / (total - cut), t.DistillWeight(step), 5);
        // The first fine-tune step distils at the full weight: its term is 8 x mean |G(A) - T(A)| of that step.
        t.RunStep();
        Assert.True(t.LastStepLosses["G_distill"] > 0);
        using var constant = Trainer.Create(o with { OutputDirectory = Path.Combine(_dir, "const"), Prune = Prune(8f) }, Paired());
        while (constant.Phase == Trainer.SearchPhase) constant.RunStep();
        constant.RunStep();
        Assert.Equal(constant.LastStepLosses["G_distill"], t.LastStepLosses["G_distill"]);
        Assert.Equal(8f, constant.DistillWeight(total - 1));
    }

    [Fact]
    public void TheCommandLineDefaultsTheFinetunePerModeAndAResumeKeepsTheSavedChoices()
    {
        string cycle = DemoData.Extract("cyclegan", Path.Combine(_dir, "cdata"));
        string paired = DemoData.Extract("pix2pix", Path.Combine(_dir, "pdata"));
        // Distillation for cyclegan only, the discriminator's restart for pix2pix only; the learning-rate restart, the
        // hypernetwork's form and the end floor for both translators (DCGAN's: DcganCliTests).
        var cycleDefault = Saved("cyclegan", cycle, "c-default");
        Assert.Equal(3f, cycleDefault.FinetuneDistill);
        Assert.Equal(FinetuneRate.Restart, cycleDefault.FinetuneRate);
        Assert.Equal(FinetuneStart.Hyper, cycleDefault.FinetuneFrom);
        Assert.Equal(0.75, cycleDefault.EndFloor);
        Assert.Equal(FinetuneDiscriminator.Continue, cycleDefault.FinetuneD);
        Assert.Equal((false, 0.5), (cycleDefault.SearchMask, cycleDefault.SearchShare));
        Assert.Equal(0f, Saved("cyclegan", cycle, "c-published", "--finetune-distill", "0").FinetuneDistill);
        var pairedDefault = Saved("pix2pix", paired, "p-default");
        Assert.Equal(0f, pairedDefault.FinetuneDistill);
        Assert.Equal(FinetuneRate.Restart, pairedDefault.FinetuneRate);
        Assert.Equal(FinetuneStart.Hyper, pairedDefault.FinetuneFrom);
        Assert.Null(pairedDefault.EndFloor);
        Assert.Equal(FinetuneDiscriminator.Restart, pairedDefault.FinetuneD);
        // pix2pix's masked long search; either half given alone keeps the other's default.
        Assert.Equal((true, 0.8), (pairedDefault.SearchMask, pairedDefault.SearchShare));
        var unmasked = Saved("pix2pix", paired, "p-unmasked", "--search-mask", "off");
        Assert.Equal((false, 0.8), (unmasked.SearchMask, unmasked.SearchShare));
        var shorter = Saved("pix2pix", paired, "p-shorter", "--search-share", "0.4");
        Assert.Equal((true, 0.4), (shorter.SearchMask, shorter.SearchShare));
        Assert.Equal(2.5f, Saved("pix2pix", paired, "p-given", "--finetune-distill", "2.5").FinetuneDistill);
        // The end floor: pix2pix's falls with the target (null), cyclegan's 0.75 unless auto is asked for.
        Assert.Equal(0.75, Saved("pix2pix", paired, "p-floor", "--end-floor", "0.75").EndFloor);
        Assert.Null(Saved("cyclegan", cycle, "c-floor", "--end-floor", "auto").EndFloor);
        var published = Saved("pix2pix", paired, "p-published", "--finetune-lr", "continue", "--finetune-from", "extracted", "--end-floor", "0",
            "--finetune-d", "continue", "--search-mask", "off", "--search-share", "0.5");
        Assert.Equal(FinetuneRate.Continue, published.FinetuneRate);
        Assert.Equal(FinetuneStart.Extracted, published.FinetuneFrom);
        Assert.Equal(0, published.EndFloor);
        Assert.Equal(FinetuneDiscriminator.Continue, published.FinetuneD);
        Assert.Equal((false, 0.5), (published.SearchMask, published.SearchShare));
        // A run started with the published fine-tune (as every run before the defaults changed) resumes with it when the
        // flags are not given again, instead of being refused for changed options.
        var resumed = Saved("pix2pix", paired, "p-published", "--resume", "--steps", "4");
        Assert.Equal(FinetuneRate.Continue, resumed.FinetuneRate);
        Assert.Equal(FinetuneStart.Extracted, resumed.FinetuneFrom);
        Assert.Equal(0, resumed.EndFloor);
        Assert.Equal(FinetuneDiscriminator.Continue, resumed.FinetuneD);
        Assert.Equal((false, 0.5), (resumed.SearchMask, resumed.SearchShare));
    }

    /// <summary>The search options the newest checkpoint of a toy `train` run with <paramref name="extra"/> saved.</summary>
    PruneOptions Saved(string mode, string data, string name, params string[] extra)
    {
        string run = Path.Combine(_dir, name);
        string[] steps = extra.Contains("--steps") ? [] : ["--steps", "2"];
        var (code, output, err) = Run(["train", "--mode", mode, "--data", data, "--out", run, "--size", "32", "--ngf", "4", "--ndf", "4",
            .. steps, "--target-ratio", "0.5", "--device", "cpu", "--checkpoint-every", "2", "--sample-every", "0", .. extra]);
        Assert.True(code == 0, output + err);
        return Trainer.ReadOptions(Trainer.Checkpoints(run)[^1]).EffectivePrune;
    }

    [Fact]
    public void BadWeightsAreRefusedBeforeTraining()
    {
        foreach (float w in new[] { -1f, float.NaN, float.PositiveInfinity })
        {
            var bad = new TrainOptions(TrainMode.Pix2Pix, 32, 10, "run", Prune: new PruneOptions(FinetuneDistill: w));
            Assert.Contains("TrainOptions.Prune.FinetuneDistill", Assert.Throws<ArgumentException>(bad.Validate).Message);
        }
        string missing = Path.Combine(_dir, "none");
        var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--finetune-distill", "-2");
        Assert.Equal(2, code);
        Assert.Contains("--finetune-distill", err);
        Assert.Contains("-2", err);
        Assert.DoesNotContain("   at ", err);
        (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--finetune-distill-schedule", "cosine");
        Assert.Equal(2, code);
        Assert.Contains("--finetune-distill-schedule must be constant or linear, got 'cosine'", err);
        Assert.False(Directory.Exists(missing));
    }
}
