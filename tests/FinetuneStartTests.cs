using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using static CoroNetGAN.Tests.CliRunner;

namespace CoroNetGAN.Tests;

/// <summary>
/// What the fine-tune starts from (issue 14.3's candidates beside the published method): the generator's weights as
/// extracted or fresh at the compact widths (<c>--finetune-from</c>), the discriminators continued or restarted (<c>--finetune-d</c>).
/// </summary>
public sealed class FinetuneStartTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-finetune-start-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static TrainOptions Pix2Pix(string dir, PruneOptions prune) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: 8, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3, CheckpointEvery: 0, Prune: prune);

    static PruneOptions Prune(FinetuneStart from = FinetuneStart.Extracted, FinetuneDiscriminator d = FinetuneDiscriminator.Continue) =>
        new(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2, FinetuneFrom: from, FinetuneD: d);

    static SyntheticImages Paired() => new(6, 32, paired: true, 0);

    static Dictionary<string, SafeTensor> State(Module m) => StateDict.Export(m).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    static bool Same(Module x, Module y) => ExtractionDiagnosticsTests.SameState(x, y);

    /// <summary>The trainer driven to its first fine-tune step: its generator and discriminator then, and the step's log.</summary>
    static (Module G, Module D, List<string> Log) AtFirstFinetuneStep(Trainer t)
    {
        var log = new List<string>();
        t.Log += log.Add;
        while (t.Phase == Trainer.SearchPhase) t.RunStep();
        return (t.CurrentGenerators.Values.Single(), t.CurrentDiscriminators.Values.Single(), log);
    }

    [Fact]
    public void ScratchStartsTheCompactWidthsFromFreshWeightsAndKeepsTheExtractedFile()
    {
        using var published = Trainer.Create(Pix2Pix(Path.Combine(_dir, "published"), Prune()), Paired());
        using var scratch = Trainer.Create(Pix2Pix(Path.Combine(_dir, "scratch"), Prune(FinetuneStart.Scratch)), Paired());
        var (gp, dp, _) = AtFirstFinetuneStep(published);
        var (gs, ds, log) = AtFirstFinetuneStep(scratch);
        // Same search, so the same widths; the weights differ, and are a plain generator's init for those widths.
        Assert.Equal(ModelFactory.Widths(gp), ModelFactory.Widths(gs));
        Assert.False(Same(gp, gs));
        var o = scratch.Options;
        using (var fresh = ModelFactory.Generator(o, Device.Cpu, RunSeeds.FinetuneGeneratorSeed(o.Seed, 0), hyper: false, widths: ModelFactory.Widths(gs)))
            Assert.True(Same(fresh, gs));
        Assert.Contains(log, l => l.Contains("fresh weights at these widths"));
        // The discriminator continued in both.
        Assert.True(Same(dp, ds));

        // Whole runs: extracted.safetensors holds the extracted weights (the published run's), not the fresh ones.
        var files = new List<string>();
        foreach (var (name, from) in new[] { ("published-run", FinetuneStart.Extracted), ("scratch-run", FinetuneStart.Scratch) })
        {
            using var t = Trainer.Create(Pix2Pix(Path.Combine(_dir, name), Prune(from)), Paired());
            files.Add(t.Run().ExtractedModel!);
        }
        using var extractedP = ModelFile.Load(files[0], Device.Cpu);
        using var extractedS = ModelFile.Load(files[1], Device.Cpu);
        Assert.True(Same(extractedP, extractedS));
        Assert.False(Same(extractedS, gs));
    }

    [Fact]
    public void RestartGivesTheDiscriminatorFreshWeightsAtTheCut()
    {
        using var published = Trainer.Create(Pix2Pix(Path.Combine(_dir, "p"), Prune()), Paired());
        using var restart = Trainer.Create(Pix2Pix(Path.Combine(_dir, "r"), Prune(d: FinetuneDiscriminator.Restart)), Paired());
        var (gp, dp, _) = AtFirstFinetuneStep(published);
        var (gr, dr, log) = AtFirstFinetuneStep(restart);
        Assert.True(Same(gp, gr));
        Assert.False(Same(dp, dr));
        var o = restart.Options;
        using (var fresh = ModelFactory.Discriminator(o, Device.Cpu, RunSeeds.FinetuneDiscriminatorSeed(o.Seed, 0)))
            Assert.True(Same(fresh, dr));
        Assert.Contains(log, l => l.Contains("discriminators restart"));
        // The restarted discriminator trains: its next step moves it.
        var before = State(dr);
        restart.RunStep();
        Assert.Contains(State(restart.CurrentDiscriminators.Values.Single()), p => !p.Value.ContentEquals(before[p.Key]));
    }

    [Theory]
    [InlineData(FinetuneStart.Scratch, FinetuneDiscriminator.Restart, "scratch", "restart")]
    [InlineData(FinetuneStart.Hyper, FinetuneDiscriminator.Continue, "hyper", null)]
    public void EveryFinetuneStartResumesBitExactAfterTheCut(FinetuneStart from, FinetuneDiscriminator d, string fromName, string? dName)
    {
        var a = Pix2Pix(Path.Combine(_dir, "a"), Prune(from, d)) with { TotalSteps = 12, CheckpointEvery = 3 };
        var b = a with { OutputDirectory = Path.Combine(_dir, "b") };
        using (var t = Trainer.Create(a, Paired())) t.Run();
        using (var t = Trainer.Create(b, Paired()))
        {
            using var cts = new CancellationTokenSource();
            t.Progress += p => { if (p.Step == 9) cts.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => t.Run(cts.Token));
            Assert.Equal(Trainer.FinetunePhase, t.Phase);
        }
        using (var t = Trainer.Resume(b.OutputDirectory, Paired(), expected: b)) t.Run();
        foreach (var f in new[] { "extracted.safetensors", "compact.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.OutputDirectory, f)), File.ReadAllBytes(Path.Combine(b.OutputDirectory, f)));
        // A run cannot switch either option midway.
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(a, a with { Prune = Prune() }, "ckpt")).Message;
        Assert.Contains($"TrainOptions.Prune.FinetuneFrom: {fromName} -> extracted", message);
        if (dName != null) Assert.Contains($"TrainOptions.Prune.FinetuneD: {dName} -> continue", message);
        Assert.Contains("--finetune-from", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
    }

    [Fact]
    public void TheCliNamesBadValues()
    {
        string missing = Path.Combine(_dir, "none");
        foreach (var (flag, value) in new[] { ("--finetune-from", "pretrained"), ("--finetune-d", "freeze") })
        {
            var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu", flag, value);
            Assert.Equal(2, code);
            Assert.Contains($"{flag} must be", err);
            Assert.Contains(value, err);
            if (flag == "--finetune-from") Assert.Contains("extracted, scratch or hyper", err);
        }
        Assert.False(Directory.Exists(missing));
        var bad = new TrainOptions(TrainMode.Pix2Pix, 32, 10, "run", Prune: new PruneOptions(FinetuneFrom: (FinetuneStart)9));
        Assert.Contains("TrainOptions.Prune.FinetuneFrom", Assert.Throws<ArgumentException>(bad.Validate).Message);
    }
}
