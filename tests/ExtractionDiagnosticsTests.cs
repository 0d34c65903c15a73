using System.Text.Json;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using static CoroNetGAN.Tests.CliRunner;

namespace CoroNetGAN.Tests;

/// <summary>
/// The diagnostics of issue 14.3: the compact generator kept as extracted (before fine-tuning), a search that runs its
/// whole budget (with target 1 and lambda 0: the hypernetwork parameterisation alone), and the fine-tune's learning-rate restart.
/// </summary>
public sealed class ExtractionDiagnosticsTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-extract-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    string Out(string name) => Path.Combine(_dir, name);

    static TrainOptions Pix2Pix(string dir, int steps, PruneOptions? prune = null) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: steps, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3,
        Prune: prune ?? new PruneOptions(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2));

    static SyntheticImages Paired(int seed = 0) => new(6, 32, paired: true, seed);

    /// <summary>Whether two models hold the same tensors under the same names, bit for bit.</summary>
    internal static bool SameState(Module x, Module y)
    {
        var a = StateDict.Export(x).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var b = StateDict.Export(y).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var t) && p.Value.ContentEquals(t));
    }

    [Fact]
    public void TheExtractedFileIsTheGeneratorTheFinetuneStartsFrom()
    {
        var o = Pix2Pix(Out("run"), steps: 8);
        TrainReport report;
        using (var t = Trainer.Create(o, Paired())) report = t.Run();
        string file = Path.Combine(o.OutputDirectory, "extracted.safetensors");
        Assert.Equal(file, report.ExtractedModel);
        Assert.Null(report.ExtractedModelBtoA);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(o.OutputDirectory, "report.json")));
        Assert.Equal(file, json.RootElement.GetProperty("extractedModel").GetString());
        Assert.Empty(Directory.EnumerateFiles(o.OutputDirectory, "*.tmp"));

        // The same run driven step by step up to the first fine-tune step: its generator then is what the file holds.
        using var same = Trainer.Create(o with { OutputDirectory = Out("same") }, Paired());
        while (same.Phase == Trainer.SearchPhase) same.RunStep();
        var start = same.CurrentGenerators.Values.Single();
        using var extracted = ModelFile.Load(file, Device.Cpu);
        Assert.Equal(ModelFactory.Widths(start), ModelFactory.Widths(extracted));
        Assert.Equal(report.Widths, ModelFactory.Widths(extracted));
        Assert.True(SameState(start, extracted));
        Assert.Equal(32, ModelFile.ReadImageSize(file));
        // The fine-tune moved the weights: the final model is another file.
        using var compact = ModelFile.Load(report.CompactModel, Device.Cpu);
        Assert.False(SameState(extracted, compact));
    }

    /// <summary>
    /// A caller that steps past the extraction with RunStep, and on into the fine-tune, and then calls Run still gets
    /// the generator as extracted, for every way the fine-tune starts.
    /// </summary>
    [Theory]
    [InlineData(FinetuneStart.Extracted, 0)]
    [InlineData(FinetuneStart.Extracted, 2)]
    [InlineData(FinetuneStart.Hyper, 2)]
    [InlineData(FinetuneStart.Scratch, 2)]
    public void RunAfterManualStepsThroughTheCutSavesTheExtractionNotALaterStep(FinetuneStart start, int finetuneSteps)
    {
        var o = Pix2Pix(Out("manual"), steps: 8);
        o = o with { Prune = o.Prune! with { FinetuneFrom = start } };
        using var t = Trainer.Create(o, Paired());
        while (t.Phase == Trainer.SearchPhase) t.RunStep();
        using var reference = Trainer.Create(o with { OutputDirectory = Out("reference") }, Paired());
        reference.Run();
        using var atCut = ModelFile.Load(Path.Combine(Out("reference"), "extracted.safetensors"), Device.Cpu);
        for (int i = 0; i < finetuneSteps; i++) t.RunStep();
        t.Run();
        using var extracted = ModelFile.Load(Path.Combine(o.OutputDirectory, "extracted.safetensors"), Device.Cpu);
        Assert.True(SameState(atCut, extracted));
    }

    [Fact]
    public void ARunWithoutSearchHasNoExtractedFileAndCycleGanHasTwo()
    {
        var plain = Pix2Pix(Out("plain"), steps: 2) with { NoPrune = true };
        using (var t = Trainer.Create(plain, Paired())) Assert.Null(t.Run().ExtractedModel);
        Assert.False(File.Exists(Path.Combine(plain.OutputDirectory, "extracted.safetensors")));

        var cyc = new TrainOptions(TrainMode.CycleGan, Size: 32, TotalSteps: 4, OutputDirectory: Out("cyc"), Ngf: 4, Ndf: 4, NetG: GeneratorArch.Resnet6,
            PoolSize: 2, Seed: 5, Prune: new PruneOptions(TargetRatio: 0.5, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 1, MacImageSize: 64));
        TrainReport report;
        using (var t = Trainer.Create(cyc, new SyntheticImages(5, 32, paired: false))) report = t.Run();
        Assert.Equal(Path.Combine(cyc.OutputDirectory, "extracted_BtoA.safetensors"), report.ExtractedModelBtoA);
        using var b = ModelFile.Load(report.ExtractedModelBtoA!, Device.Cpu);
        Assert.Equal(report.WidthsBtoA, ModelFactory.Widths(b));
    }

    [Fact]
    public void ARunResumedAfterTheExtractionKeepsItsFileAndTheRestartedRateIsBitExact()
    {
        // Extraction by step 6 of 12; the interruption at step 9 is in the fine-tune, under the restarted schedule.
        var prune = new PruneOptions(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2, FinetuneRate: FinetuneRate.Restart);
        var a = Pix2Pix(Out("a"), steps: 12, prune) with { CheckpointEvery = 3 };
        var b = a with { OutputDirectory = Out("b") };
        TrainReport ra;
        List<HistoryEntry> history;
        using (var t = Trainer.Create(a, Paired()))
        {
            ra = t.Run();
            history = t.History.ToList();
        }
        using (var t = Trainer.Create(b, Paired()))
        {
            using var cts = new CancellationTokenSource();
            t.Progress += p => { if (p.Step == 9) cts.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => t.Run(cts.Token));
        }
        using (var t = Trainer.Resume(b.OutputDirectory, Paired(), expected: b)) t.Run();
        foreach (var f in new[] { "extracted.safetensors", "compact.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.OutputDirectory, f)), File.ReadAllBytes(Path.Combine(b.OutputDirectory, f)));
        // The final checkpoints hold the same tensors (their metadata holds wall times, which differ).
        var fa = SafeTensorsFile.Read(Trainer.CheckpointPath(a.OutputDirectory, 12));
        var fb = SafeTensorsFile.Read(Trainer.CheckpointPath(b.OutputDirectory, 12));
        Assert.Equal(fa.Names, fb.Names);
        foreach (var n in fa.Names) Assert.True(fa[n].ContentEquals(fb[n]), $"{n} differs after resuming");

        // The fine-tune's rate: a fresh schedule from the extraction step s, the base rate for half of the remaining steps.
        long s = ra.Phases[Trainer.SearchPhase].Steps;
        Assert.InRange(s, 1, 6);
        var restart = new LearningRateSchedule(a.LearningRate, (int)(s + (12 - s) / 2), 12);
        var published = new LearningRateSchedule(a.LearningRate, 6, 12);
        for (int k = 0; k < 12; k++)
            Assert.Equal(k < s ? published.At(k) : restart.At(k), history[k].LearningRate);
        Assert.Contains(Enumerable.Range((int)s, 12 - (int)s), k => restart.At(k) != published.At(k));
    }

    [Fact]
    public void TheDefaultFinetuneKeepsTheRunsOneSchedule()
    {
        var o = Pix2Pix(Out("default"), steps: 8);
        using var t = Trainer.Create(o, Paired());
        t.Run();
        var schedule = new LearningRateSchedule(o.LearningRate, 4, 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(k => schedule.At(k)), t.History.Select(h => h.LearningRate));
    }

    [Fact]
    public void ASearchThatRunsToItsBudgetHoldsItsMasksOnceTheTargetIsMet()
    {
        foreach (bool toBudget in new[] { false, true })
        {
            using var g = PruningTests.HyperResnet(8, seed: 6);
            var net = ((IPrunableGenerator)g).Hyper!;
            var search = new PruningSearch(g, new SearchSettings(TargetRatio: 1.0, Lambda: 50f, CheckEvery: 2, StepBudget: 6, ImageSize: 32, RunToBudget: toBudget));
            Assert.Equal(SearchState.Searching, search.AfterStep(1e-3f));
            Assert.Equal(toBudget ? SearchState.Searching : SearchState.Reached, search.AfterStep(1e-3f));
            if (!toBudget) continue;
            Assert.True(search.Holding);
            // Held: no proximal step shrinks the latents any more (lambda 50 would), and the stop rule waits for the budget.
            var before = net.ReadPrunable();
            for (int k = 3; k <= 5; k++) Assert.Equal(SearchState.Searching, search.AfterStep(1e-3f));
            Assert.Equal(before, net.ReadPrunable());
            Assert.Equal(SearchState.Reached, search.AfterStep(1e-3f));
            Assert.Equal(6, search.Step);
        }
        using var h = PruningTests.HyperResnet(8, seed: 6);
        Assert.Contains("TrainOptions.Prune.SearchUntil", Assert.Throws<ArgumentException>(() =>
            new PruningSearch(h, new SearchSettings(TargetRatio: 0.5, ImageSize: 32, RunToBudget: true))).Message);
    }

    [Fact]
    public void AStoppedSearchKeepsItsCutWhileAnotherSearchRunsOn()
    {
        // CycleGAN extracts when both searches have stopped; the one that stopped first keeps training in between.
        using var g = PruningTests.HyperResnet(8, seed: 6);
        var net = ((IPrunableGenerator)g).Hyper!;
        var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.7, Lambda: 1000f, ImageSize: 32, CheckEvery: 1, StepBudget: 50));
        Assert.NotEqual(SearchState.Searching, search.AfterStep(1e-2f));
        var widths = net.Widths(5e-3f, 4);
        double ratio = search.CurrentRatio;
        Assert.True(ratio <= 0.7, $"ratio {ratio}");
        var cut = net.ReadPrunable().Select(z => z.Select(v => v == 0f).ToArray()).ToArray();
        Assert.Contains(cut, c => c.Any(x => x));

        // Training moves every entry, the cut ones too (as Adam would): they must not grow back into channels.
        foreach (var z in net.Prunable) z.Value.CopyFrom(z.Value.ToArray().Select(v => v + (v >= 0 ? 0.5f : -0.5f)).ToArray());
        Assert.NotEqual(widths, net.Widths(5e-3f, 4));
        var resumed = new PruningSearch(g, search.Settings);
        resumed.Restore(search.Snapshot());
        foreach (var s in new[] { search, resumed })
        {
            Assert.NotEqual(SearchState.Searching, s.AfterStep(1e-2f));
            Assert.Equal(widths, net.Widths(5e-3f, 4));
            var values = net.ReadPrunable();
            for (int l = 0; l < values.Length; l++)
                for (int c = 0; c < values[l].Length; c++)
                    Assert.Equal(cut[l][c], values[l][c] == 0f);
            foreach (var z in net.Prunable) z.Value.CopyFrom(z.Value.ToArray().Select(v => v + (v >= 0 ? 0.5f : -0.5f)).ToArray());
        }
        search.AfterStep(1e-2f);
        // A kept entry that training pulls under the threshold stays a channel: the cut is the one taken at the stop.
        var first = net.Prunable.Select((z, l) => (z, l)).First(p => !cut[p.l].All(x => x));
        var shrunk = first.z.Value.ToArray();
        shrunk[Array.FindIndex(cut[first.l], x => !x)] = 1e-4f;
        first.z.Value.CopyFrom(shrunk);
        Assert.NotEqual(widths, net.Widths(5e-3f, 4));
        using var again = search.Extract();
        Assert.Equal(widths, ModelFactory.Widths(again));

        var bad = search.Snapshot() with { StopMasks = [[true]] };
        Assert.Throws<InvalidDataException>(() => new PruningSearch(g, search.Settings).Restore(bad));
    }

    [Fact]
    public void TheParameterisationAloneTrainsEveryStepWithNothingPruned()
    {
        // --target-ratio 1 --lambda 0 --search-share 1 --search-until budget: the hypernetwork generator trains every step.
        var o = Pix2Pix(Out("hyper"), steps: 6, new PruneOptions(TargetRatio: 1, Lambda: 0f, SearchShare: 1, MinChannels: 2, CheckEvery: 2,
            SearchUntil: SearchEnd.Budget));
        using var t = Trainer.Create(o, Paired());
        var phases = new List<string>();
        t.Progress += p => phases.Add(p.Phase);
        var report = t.Run();
        Assert.Equal(Enumerable.Repeat(Trainer.SearchPhase, 6), phases);
        Assert.Equal(UnetGenerator.FullWidths(4, 5), report.Widths);
        Assert.Equal(report.FullMacs, report.CompactMacs);
    }

    [Fact]
    public void TheNewRecipeOptionsCannotChangeMidRunAndBadValuesAreNamed()
    {
        var saved = new TrainOptions(TrainMode.Pix2Pix, 32, 4, "run");
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(saved,
            saved with { Prune = new PruneOptions(SearchUntil: SearchEnd.Budget, FinetuneRate: FinetuneRate.Restart) }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Prune.SearchUntil: target -> budget", message);
        Assert.Contains("TrainOptions.Prune.FinetuneRate: continue -> restart", message);
        Assert.Contains("--search-until", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
        Assert.Contains("--finetune-lr", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
        Assert.Contains("TrainOptions.Prune.FinetuneRate", Assert.Throws<ArgumentException>(
            (saved with { Prune = new PruneOptions(FinetuneRate: (FinetuneRate)7) }).Validate).Message);

        string missing = Path.Combine(Path.GetTempPath(), $"no-run-{Guid.NewGuid():N}");
        var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--search-until", "soon");
        Assert.Equal(2, code);
        Assert.Contains("--search-until must be target or budget, got 'soon'", err);
        (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--finetune-lr", "warm");
        Assert.Equal(2, code);
        Assert.Contains("--finetune-lr must be continue or restart, got 'warm'", err);
        Assert.False(Directory.Exists(missing));
    }
}
