using System.Globalization;
using System.Text.Json;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Training;
using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Cli;

/// <summary>The demo's closing scores: FID (ResNet-18) and KID of the compact (and full-width) generator on the test split, into demo-report.json.</summary>
internal static class DemoScores
{
    public static void Write(string root, TrainMode mode, TrainReport report, string compact, TrainReport? fullReport, string? full, string data, string device)
    {
        using var features = ImageFeatures.Open();
        var options = new EvaluationOptions { Size = 64, Features = features };
        var c = CultureInfo.InvariantCulture;
        var compactScore = GeneratorEvaluation.Evaluate(compact, data, device, options);
        var fullScore = full is null ? null : GeneratorEvaluation.Evaluate(full, data, device, options);
        var identityScore = GeneratorEvaluation.EvaluateIdentity(data, options);
        // CycleGAN trains unpaired, but the demo's test files share names across the domains (one emoji in two skin
        // tones), so the true translation is known and L1 against it measures what FID on 64 px emoji cannot.
        double? pairedCompact = null, pairedFull = null, pairedIdentity = null;
        if (mode == TrainMode.CycleGan && TestPairs(data) is { } pairs)
        {
            pairedIdentity = pairs.Average(p => L1(p.A, p.B));
            pairedCompact = PairedL1(compact, pairs, device);
            if (full != null) pairedFull = PairedL1(full, pairs, device);
        }
        string Line(string who, EvaluationResult r) =>
            $"{who,-8} FID (ResNet-18) {r.FidResNet18.ToString("F1", c)}   KID (ResNet-18) {r.KidResNet18Mean.ToString("F3", c)} ± {r.KidResNet18Std.ToString("F3", c)}";
        Console.WriteLine($"test split ({compactScore.Count} translated vs {compactScore.RealCount} real images at 64x64; ResNet-18 features: not comparable with Inception FIDs):");
        if (fullScore != null) Console.WriteLine(Line("full", fullScore));
        Console.WriteLine(Line("compact", compactScore));
        Console.WriteLine(Line("identity", identityScore) + "   (output = input)");
        if (pairedIdentity != null)
            Console.WriteLine($"L1 to the true other-tone emoji of each test image: {(pairedFull is { } pf ? $"full {pf.ToString("F4", c)}   " : "")}compact {pairedCompact!.Value.ToString("F4", c)}   identity {pairedIdentity.Value.ToString("F4", c)}");
        var json = new Dictionary<string, object?>
        {
            ["mode"] = TrainingRuns.ModeName(mode),
            ["steps"] = report.TotalSteps,
            ["fullMacs"] = report.FullMacs,
            ["compactMacs"] = report.CompactMacs,
            ["macImageSize"] = report.MacImageSize,
            ["fullParams"] = report.FullParams,
            ["compactParams"] = report.CompactParams,
            ["testL1Compact"] = report.Test?.L1,
            ["testL1Full"] = fullReport?.Test?.L1,
            ["compact"] = Scores(compactScore),
            ["full"] = fullScore is null ? null : Scores(fullScore),
            ["identity"] = Scores(identityScore),
            ["pairedL1Compact"] = pairedCompact,
            ["pairedL1Full"] = pairedFull,
            ["pairedL1Identity"] = pairedIdentity,
            ["note"] = "FID (ResNet-18) and KID use ImageNet ResNet-18 features; they rank models on this data and are not comparable with Inception-v3 FIDs in papers.",
        };
        string path = Path.Combine(root, "demo-report.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The test split's (A, B) pairs when every A file has a B file of the same name; else null.</summary>
    static List<(float[] A, float[] B)>? TestPairs(string data)
    {
        var test = (UnalignedFolderDataset)Datasets.Open(data, "cyclegan", 64, "test");
        var namesA = test.FilesA.Select(Path.GetFileName).ToList();
        if (!namesA.SequenceEqual(test.FilesB.Select(Path.GetFileName))) return null;
        return Enumerable.Range(0, test.FilesA.Count).Select(i => { var p = test.Load(i, 0); return (p.A, p.B); }).ToList();
    }

    static double PairedL1(string model, List<(float[] A, float[] B)> pairs, string device)
    {
        using var g = Generator.Load(model, device, 64);
        return pairs.Average(p => L1(g.Translate(p.A, 1, 64, 64), p.B));
    }

    static double L1(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Average();

    static Dictionary<string, object> Scores(EvaluationResult r) => new()
    {
        ["fidResNet18"] = r.FidResNet18,
        ["kidResNet18Mean"] = r.KidResNet18Mean,
        ["kidResNet18Std"] = r.KidResNet18Std,
        ["images"] = r.Count,
    };
}
