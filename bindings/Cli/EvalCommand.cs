using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan eval</c>: FID (ResNet-18) and KID (ResNet-18) of a generator on a dataset's test split.</summary>
internal static class EvalCommand
{
    const string Caveat = "FID (ResNet-18) and KID (ResNet-18) use ImageNet ResNet-18 features, not Inception-v3: "
        + "compare them only with each other (same data, same size), never with the FIDs published in papers.";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "A generator file (a run's compact.safetensors or any saved generator)." };
        var identity = new Option<bool>("--identity") { Description = "Score the identity baseline instead of a model: the test sources themselves (output = input) against the targets, at --size (default 256)." };
        var data = new Option<string>("--data")
        {
            Description = "Dataset folder: test/ with A|B side-by-side images (pix2pix) or testA/ and testB/ (CycleGAN). A is translated and compared with B.",
            Required = true,
        };
        var size = new Option<int?>("--size") { Description = "Side length the generator runs at (default: the trained size the model file records, else 256)." };
        var device = new Option<string>("--device") { Description = "Where the generator runs: auto, cpu, cuda, opencl, ilgpu-cpu (features run on the CPU).", DefaultValueFactory = _ => "auto" };
        var layout = new Option<string>("--layout") { Description = "auto, aligned (test/) or unaligned (testA/, testB/).", DefaultValueFactory = _ => "auto" };
        var direction = new Option<string>("--direction") { Description = "AtoB, or BtoA for a B-to-A generator.", DefaultValueFactory = _ => "AtoB" };
        var featurizer = new Option<string?>("--featurizer-models")
        {
            Description = "Folder holding the ResNet-18 featurizer's ResNet18Onnx/ and ResNetPrepOnnx/ (default: DnnImageModels/ next to coronetgan).",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (progress goes to standard error)." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of the test images for 95% intervals of every score (0: none).", DefaultValueFactory = _ => 200 };
        var cmd = new Command("eval", "Score a generator on a test split: FID (ResNet-18) and KID (ResNet-18) of its translations against the real targets. " + Caveat)
        {
            model, identity, data, size, device, layout, direction, featurizer, json, bootstrap,
        };
        cmd.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            string? modelPath = parse.GetValue(model);
            string dataPath = parse.GetValue(data)!;
            bool baseline = parse.GetValue(identity);
            if (baseline == (modelPath != null))
            {
                Console.Error.WriteLine("error: give either --model FILE (score a generator) or --identity (score output = input), not both or neither.");
                return 2;
            }
            try
            {
                var options = new EvaluationOptions
                {
                    Size = parse.GetValue(size),
                    Layout = Layout(parse.GetValue(layout)!),
                    Direction = parse.GetValue(direction)!,
                    FeaturizerDirectory = parse.GetValue(featurizer),
                    BootstrapResamples = parse.GetValue(bootstrap),
                    Log = line => log.WriteLine(line),
                };
                var r = baseline ? GeneratorEvaluation.EvaluateIdentity(dataPath, options) : GeneratorEvaluation.Evaluate(modelPath!, dataPath, parse.GetValue(device)!, options);
                var c = CultureInfo.InvariantCulture;
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        model = baseline ? "identity" : Path.GetFullPath(modelPath!), data = r.Data, fidResNet18 = r.FidResNet18,
                        kidResNet18Mean = r.KidResNet18Mean, kidResNet18Std = r.KidResNet18Std,
                        kidSubsets = r.KidSubsets, kidSubsetSize = r.KidSubsetSize, count = r.Count, realCount = r.RealCount,
                        size = r.Size, sizeSource = r.SizeSource, layout = r.Layout.ToString().ToLowerInvariant(), seconds = r.Seconds,
                        featureMsPerImage = r.FeatureMsPerImage, translateMsPerImage = r.TranslateMsPerImage,
                        fid = r.Fid, kid = r.Kid, paired = r.Paired, l1 = r.L1, psnr = r.Psnr, ssim = r.Ssim, note = Caveat,
                    }, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                    return 0;
                }
                Console.WriteLine(string.Create(c, $"FID (ResNet-18): {r.FidResNet18:F2}") + (r.Fid is { } fi ? $"   95% interval [{fi.Low.ToString("F2", c)}, {fi.High.ToString("F2", c)}] (half-sampling of the test images, {fi.Resamples} draws)" : ""));
                string subsets = r.KidSubsetSize == r.Count && r.KidSubsetSize == r.RealCount
                    ? "one estimate: every subset is the whole of both sets"
                    : string.Create(c, $"{r.KidSubsets} subsets of {r.KidSubsetSize}");
                Console.WriteLine(string.Create(c, $"KID (ResNet-18): {r.KidResNet18Mean:F4} ± {r.KidResNet18Std:F4} ({subsets})"));
                if (r.Kid is { } ki) Console.WriteLine($"KID (ResNet-18) of the whole sets: {ki.Format("F4")} (95% interval, half-sampling)");
                if (r.Paired && r.L1 is { } l1)
                    Console.WriteLine($"against the true targets (paired split): L1 {l1.Format("F4")}   PSNR {r.Psnr!.Format("F2")} dB   SSIM {r.Ssim!.Format("F4")}");
                Console.WriteLine(string.Create(c, $"images: {r.Count} translated, {r.RealCount} real, at {r.Size}x{r.Size} ({r.Seconds:F1} s)"));
                Console.WriteLine($"note: {Caveat}");
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    static DatasetLayout Layout(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => DatasetLayout.Auto,
        "aligned" or "pix2pix" => DatasetLayout.Aligned,
        "unaligned" or "cyclegan" => DatasetLayout.Unaligned,
        _ => throw new ArgumentException($"--layout must be auto, aligned or unaligned, got '{text}'."),
    };
}
