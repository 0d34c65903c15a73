using System.Globalization;
using System.Text.Json;
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
        string Line(string who, EvaluationResult r) =>
            $"{who,-8} FID (ResNet-18) {r.FidResNet18.ToString("F1", c)}   KID (ResNet-18) {r.KidResNet18Mean.ToString("F3", c)} ± {r.KidResNet18Std.ToString("F3", c)}";
        Console.WriteLine($"test split ({compactScore.Count} translated vs {compactScore.RealCount} real images at 64x64; ResNet-18 features: not comparable with Inception FIDs):");
        if (fullScore != null) Console.WriteLine(Line("full", fullScore));
        Console.WriteLine(Line("compact", compactScore));
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
            ["note"] = "FID (ResNet-18) and KID use ImageNet ResNet-18 features; they rank models on this data and are not comparable with Inception-v3 FIDs in papers.",
        };
        string path = Path.Combine(root, "demo-report.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    static Dictionary<string, object> Scores(EvaluationResult r) => new()
    {
        ["fidResNet18"] = r.FidResNet18,
        ["kidResNet18Mean"] = r.KidResNet18Mean,
        ["kidResNet18Std"] = r.KidResNet18Std,
        ["images"] = r.Count,
    };
}
