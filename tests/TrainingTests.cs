using System.Text.Json;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// A tiny in-memory dataset: A is a smooth random pattern, B a fixed colour transform of it (paired) or of another
/// index (unpaired). The augmentation seed flips the image, so resumed runs must reproduce the augmentation too.
/// </summary>
sealed class SyntheticImages(int count, int size, bool paired, int seed = 0) : IImageDataset
{
    public int Count => count;
    public int Size => size;
    public bool Paired => paired;

    public ImagePair Load(int index, uint augmentationSeed)
    {
        bool flip = (augmentationSeed & 1) == 1;
        return new ImagePair(Image(index, flip, target: false), Image(paired ? index : (index * 7 + 3) % count, flip, target: true));
    }

    float[] Image(int index, bool flip, bool target)
    {
        var rng = new Random(seed * 1000 + index);
        double fx = rng.NextDouble() * 0.4, fy = rng.NextDouble() * 0.4, ph = rng.NextDouble() * 6;
        var img = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int xx = flip ? size - 1 - x : x;
                    float v = (float)Math.Sin(fx * xx + fy * y + ph + c);
                    img[(c * size + y) * size + x] = target ? 0.8f * (c == 0 ? -v : v * v * 2 - 1) : v;
                }
        return img;
    }
}

public sealed class TrainingTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    string Out(string name) => Path.Combine(_dir, name);

    static TrainOptions Pix2Pix(string dir, int steps, double share = 0.5, bool noPrune = false) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: steps, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3, NoPrune: noPrune,
        Prune: new PruneOptions(TargetRatio: 0.4, Lambda: 50f, SearchShare: share, MinChannels: 2, CheckEvery: 2));

    static TrainOptions CycleGan(string dir, int steps, bool noPrune = false) => new(
        TrainMode.CycleGan, Size: 32, TotalSteps: steps, OutputDirectory: dir, Ngf: 4, Ndf: 4, NetG: GeneratorArch.Resnet6, PoolSize: 2, Seed: 5,
        NoPrune: noPrune, Prune: new PruneOptions(TargetRatio: 0.5, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 1, MacImageSize: 64));

    static SyntheticImages Paired(int seed = 0) => new(6, 32, paired: true, seed);
    static SyntheticImages Unpaired() => new(5, 32, paired: false);

    [Fact]
    public void Pix2PixSearchesExtractsFinetunesAndReports()
    {
        var o = Pix2Pix(Out("p2p"), steps: 8);
        var progress = new List<TrainProgress>();
        var samples = new List<TrainSample>();
        TrainReport report;
        using (var t = Trainer.Create(o with { SampleEvery = 4 }, Paired(), Paired(seed: 9)))
        {
            t.Progress += progress.Add;
            t.Sample += samples.Add;
            report = t.Run();
        }
        Assert.Equal(8, progress.Count);
        Assert.All(progress, p => Assert.All(p.Losses.Values, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(["G_GAN", "G_L1", "D_real", "D_fake"], progress[0].Losses.Keys);
        Assert.Equal(Trainer.SearchPhase, progress[0].Phase);
        Assert.Equal(Trainer.FinetunePhase, progress[^1].Phase);
        Assert.True(report.Phases[Trainer.SearchPhase].Steps <= 4, "the search ends within its budget of half the steps");
        Assert.Equal(8, report.Phases.Values.Sum(p => p.Steps));
        Assert.Equal(2, samples.Count);
        Assert.Equal(3 * 32 * 32, samples[0].Output.Length);

        var full = UnetGenerator.FullWidths(4, 5);
        Assert.True(report.Widths.Sum() < full.Sum(), $"widths [{string.Join(",", report.Widths)}] not smaller than [{string.Join(",", full)}]");
        Assert.True(report.CompactMacs < report.FullMacs);
        Assert.True(report.CompactParams < report.FullParams);
        Assert.True(report.CompactMacs <= report.TargetMacs!.Value + 0.02 * report.FullMacs + 1, $"{report.CompactMacs} vs target {report.TargetMacs}");
        Assert.NotNull(report.Test);
        Assert.True(report.Test!.L1 > 0 && double.IsFinite(report.Test.L1));
        Assert.True(report.Test.IdentityL1 > 0 && report.Test.MeanL1 > 0);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(o.OutputDirectory, "report.json")));
        foreach (var key in new[] { "mode", "arch", "size", "fullMacs", "targetMacs", "compactMacs", "fullParams", "compactParams", "widths", "phases" })
            Assert.True(json.RootElement.TryGetProperty(key, out _), key);
        Assert.Equal("pix2pix", json.RootElement.GetProperty("mode").GetString());
        Assert.True(json.RootElement.GetProperty("test").GetProperty("l1").GetDouble() > 0);
        using var history = JsonDocument.Parse(File.ReadAllText(Path.Combine(o.OutputDirectory, "history.json")));
        Assert.Equal(8, history.RootElement.GetArrayLength());

        using var compact = ModelFile.Load(Path.Combine(o.OutputDirectory, "compact.safetensors"), Device.Cpu);
        Assert.Equal(report.Widths, ((UnetGenerator)compact).Widths);
    }

    [Fact]
    public void MacsAreCountedOnceTheGeneratorsAreFixed()
    {
        // With the search ending mid-run the compact generator is counted once after extraction; without pruning the
        // plain generator once in all; the report at the end counts nothing again.
        foreach (var o in new[] { Pix2Pix(Out("macs-search"), steps: 8), Pix2Pix(Out("macs-plain"), steps: 4, noPrune: true) })
        {
            using var t = Trainer.Create(o, Paired());
            while (t.Phase == Trainer.SearchPhase) t.RunStep();
            t.RunStep();
            int counted = t.MacCounts;
            var report = t.Run();
            Assert.Equal(o.TotalSteps, t.Step);
            Assert.Equal(counted, t.MacCounts);
            Assert.Equal(2, counted);   // the full generator, then the one being trained
            Assert.Equal(report.CompactMacs / (double)report.FullMacs, t.History[^1].MacsRatio);
        }
    }

    [Fact]
    public void CycleGanTrainsBothDirectionsWithFiniteLosses()
    {
        var o = CycleGan(Out("cyc"), steps: 3, noPrune: true);
        var losses = new List<IReadOnlyDictionary<string, float>>();
        using (var t = Trainer.Create(o, Unpaired()))
        {
            t.Progress += p => losses.Add(p.Losses);
            var report = t.Run();
            Assert.Equal(ResnetGenerator.FullWidths(4, 6), report.Widths);
            Assert.Equal(report.FullMacs, report.CompactMacs);
            Assert.Null(report.Test);
            Assert.Equal(3, report.Phases[Trainer.TrainPhase].Steps);
        }
        Assert.Equal(3, losses.Count);
        Assert.All(losses, l => Assert.All(l.Values, v => Assert.True(float.IsFinite(v))));
        Assert.Contains("cycle_A", losses[0].Keys);
        Assert.True(File.Exists(Path.Combine(o.OutputDirectory, "compact_BtoA.safetensors")));
    }

    [Fact]
    public void CycleGanWithUnetGeneratorsSearchesAndCutsBothDirections()
    {
        // pytorch-CycleGAN's --netG unet_256 in cycle_gan mode: no dropout, instance norm, both generators searched.
        var o = CycleGan(Out("cyc-unet"), steps: 6) with { NetG = GeneratorArch.Unet };
        using (var t = Trainer.Create(o, Unpaired()))
        {
            var report = t.Run();
            Assert.True(report.CompactMacs < report.FullMacs, $"{report.CompactMacs} vs full {report.FullMacs}");
            Assert.Equal(UnetGenerator.FullWidths(4, 5).Length, report.Widths.Length);
        }
        foreach (var name in new[] { "compact.safetensors", "compact_BtoA.safetensors" })
        {
            using var g = ModelFile.Load(Path.Combine(o.OutputDirectory, name), Device.Cpu);
            var unet = Assert.IsType<UnetGenerator>(g);
            Assert.Equal((NormKind.Instance, false), (unet.Config.Norm, unet.Config.UseDropout));
            Assert.True(unet.Widths.Sum() < UnetGenerator.FullWidths(4, 5).Sum(), $"{name}: [{string.Join(",", unet.Widths)}] not cut");
        }
    }

    /// <summary>Runs <paramref name="options"/> to the end, or stops it after <paramref name="stopAt"/> steps and resumes it in a new trainer.</summary>
    static void RunMaybeInterrupted(TrainOptions options, Func<IImageDataset> data, int? stopAt)
    {
        using (var t = Trainer.Create(options, data()))
        {
            if (stopAt is not { } k) { t.Run(); return; }
            using var cts = new CancellationTokenSource();
            t.Progress += p => { if (p.Step == k) cts.Cancel(); };
            Assert.Throws<OperationCanceledException>(() => t.Run(cts.Token));
        }
        Assert.True(File.Exists(Trainer.CheckpointPath(options.OutputDirectory, stopAt.Value)));
        using var resumed = Trainer.Resume(options.OutputDirectory, data(), expected: options);
        Assert.Equal(stopAt.Value, resumed.Step);
        resumed.Run();
    }

    static void AssertSameFinalState(string a, string b, int steps)
    {
        var fa = SafeTensorsFile.Read(Trainer.CheckpointPath(a, steps));
        var fb = SafeTensorsFile.Read(Trainer.CheckpointPath(b, steps));
        Assert.Equal(fa.Names, fb.Names);
        foreach (var n in fa.Names) Assert.True(fa[n].ContentEquals(fb[n]), $"{n} differs after resuming");
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "compact.safetensors")), File.ReadAllBytes(Path.Combine(b, "compact.safetensors")));
    }

    [Fact]
    public void Pix2PixResumedMidSearchMatchesAnUninterruptedRun()
    {
        // Budget 6 of 8 steps; the interruption at step 3 falls inside the search, and extraction happens after the resume.
        var a = Pix2Pix(Out("a"), steps: 8, share: 0.75);
        var b = a with { OutputDirectory = Out("b") };
        RunMaybeInterrupted(a, () => Paired(), stopAt: null);
        RunMaybeInterrupted(b, () => Paired(), stopAt: 3);
        AssertSameFinalState(a.OutputDirectory, b.OutputDirectory, 8);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(b.OutputDirectory, "report.json"))).RootElement;
        Assert.True(report.GetProperty("phases").GetProperty("finetune").GetProperty("steps").GetInt64() > 0);
    }

    [Fact]
    public void CycleGanResumedMatchesAnUninterruptedRun()
    {
        // The pool (size 2) is full and swapping by step 4; the search ends at its budget of 3 steps.
        var a = CycleGan(Out("ca"), steps: 6);
        var b = a with { OutputDirectory = Out("cb") };
        RunMaybeInterrupted(a, Unpaired, stopAt: null);
        RunMaybeInterrupted(b, Unpaired, stopAt: 4);
        AssertSameFinalState(a.OutputDirectory, b.OutputDirectory, 6);
    }

    [Fact]
    public void BadCheckpointsAreRefusedNamingTheFileAndTheEarlierOneSurvives()
    {
        var o = Pix2Pix(Out("bad"), steps: 2, noPrune: true) with { CheckpointEvery = 1 };
        using (var t = Trainer.Create(o, Paired())) t.Run();
        string first = Trainer.CheckpointPath(o.OutputDirectory, 1), last = Trainer.CheckpointPath(o.OutputDirectory, 2);
        Assert.Equal([first, last], Trainer.Checkpoints(o.OutputDirectory));
        var good = File.ReadAllBytes(first);

        // Another architecture or mode is refused before anything is built.
        var other = CycleGan(o.OutputDirectory, 2, noPrune: true);
        var e = Assert.Throws<InvalidDataException>(() => Trainer.Resume(o.OutputDirectory, Unpaired(), expected: other));
        Assert.Contains(last, e.Message);
        Assert.Contains("cyclegan", e.Message);

        // A checkpoint whose tensors do not fit the architecture its metadata names.
        var file = SafeTensorsFile.Read(last);
        var meta = file.Metadata.ToDictionary();
        meta["state"] = meta["state"].Replace("\"ngf\": 4", "\"ngf\": 8", StringComparison.Ordinal);
        SafeTensorsFile.Write(last, new SafeTensorsFile(file.Names.Select(n => new KeyValuePair<string, SafeTensor>(n, file[n])), meta));
        e = Assert.Throws<InvalidDataException>(() => Trainer.Resume(o.OutputDirectory, Paired()));
        Assert.Contains(last, e.Message);

        // A truncated checkpoint (a crash mid-copy).
        var bytes = File.ReadAllBytes(last);
        File.WriteAllBytes(last, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => Trainer.Resume(o.OutputDirectory, Paired()));
        Assert.Contains(last, e.Message);

        Assert.Equal(good, File.ReadAllBytes(first));
        using var earlier = Trainer.ResumeFrom(first, Paired());
        Assert.Equal(1, earlier.Step);
    }
}
