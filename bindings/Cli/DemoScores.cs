using System.Globalization;
using System.Text.Json;
using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Cli;

/// <summary>The demo's closing scores: FID (ResNet-18) and KID of the compact (and full-width) generator on the test split, into demo-report.json.</summary>
internal static class DemoScores
{
    public static void Write(string root, TrainMode mode, TrainReport report, string compact, TrainReport? fullReport, string? full, string data, string device)
    {
        using var features = ImageFeatures.Open();
        // Intervals over test images; for the CycleGAN demo the test files share names across the two skin tones, so
        // the true translation is known and L1, PSNR and SSIM to it measure what FID on 64 px emoji cannot.
        var options = new EvaluationOptions { Size = 64, Features = features, BootstrapResamples = 200 };
        var c = CultureInfo.InvariantCulture;
        var compactScore = GeneratorEvaluation.Evaluate(compact, data, device, options);
        var fullScore = full is null ? null : GeneratorEvaluation.Evaluate(full, data, device, options);
        var identityScore = GeneratorEvaluation.EvaluateIdentity(data, options);
        string Line(string who, EvaluationResult r) =>
            $"{who,-8} FID (ResNet-18) {r.Fid!.Format("F1")}   KID (ResNet-18) {r.Kid!.Format("F3")}" +
            (r.L1 is { } l1 ? $"   L1 {l1.Format("F4")}   PSNR {r.Psnr!.Format("F2")}   SSIM {r.Ssim!.Format("F3")}" : "");
        Console.WriteLine($"test split ({compactScore.Count} translated vs {compactScore.RealCount} real images at 64x64, value [95% interval]; " +
            "ResNet-18 features: not comparable with Inception FIDs):");
        if (fullScore != null) Console.WriteLine(Line("full", fullScore));
        Console.WriteLine(Line("compact", compactScore));
        Console.WriteLine(Line("identity", identityScore) + "   (output = input)");
        double compactMinutes = report.Phases.Values.Sum(p => p.Seconds) / 60;
        double? fullMinutes = fullReport?.Phases.Values.Sum(p => p.Seconds) / 60;
        if (fullMinutes is { } fm)
            Console.WriteLine($"training time: compressed run {compactMinutes.ToString("F1", c)} min (search, extraction and fine-tuning), the full model alone {fm.ToString("F1", c)} min");
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
            ["trainMinutesCompressed"] = compactMinutes,
            ["trainMinutesFull"] = fullMinutes,
            ["note"] = "FID (ResNet-18) and KID use ImageNet ResNet-18 features; they rank models on this data and are not comparable with Inception-v3 FIDs in papers.",
        };
        string path = Path.Combine(root, "demo-report.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    static Dictionary<string, object?> Scores(EvaluationResult r) => new()
    {
        ["fid"] = r.Fid,
        ["kid"] = r.Kid,
        ["l1"] = r.L1,
        ["psnr"] = r.Psnr,
        ["ssim"] = r.Ssim,
        ["fidResNet18"] = r.FidResNet18,
        ["kidResNet18Mean"] = r.KidResNet18Mean,
        ["kidResNet18Std"] = r.KidResNet18Std,
        ["images"] = r.Count,
    };
}
