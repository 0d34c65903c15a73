using System.CommandLine;
using System.Diagnostics;

namespace CoroNetGAN.Cli;

/// <summary>
/// <c>coronetgan demo</c>: the whole path on the embedded data, sized for a 2-core CPU: pix2pix colours OpenMoji
/// line art (U-Net ngf 16 at 64 px, compressed to a quarter of its MACs), or CycleGAN turns light-skinned Twemoji
/// people and hands dark-skinned (unpaired training; U-Net ngf 16 at 64 px against a 2-layer PatchGAN of ndf 32,
/// compressed to half of its MACs);
/// then translates the test images with the compact model and writes a grid to look at. The emoji are centred
/// and small, so training uses flips but no resize-and-crop (load size = size), which keeps train and test at one scale.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The CycleGAN demo's default training steps per run.</summary>
    const int CycleGanSteps = 5500;

    /// <summary>The default target MAC ratio of every demo.</summary>
    const double DefaultRatio = 0.25;

    /// <summary>The CycleGAN demo's initial learning rate.</summary>
    const float CycleGanLearningRate = 5e-4f;

    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "coronetgan-demo" };
        var mode = new Option<string>("--mode") { Description = "pix2pix (line art -> colour), cyclegan (light <-> dark skin tone, unpaired) or dcgan (32 px emoji from noise).", DefaultValueFactory = _ => "pix2pix" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl.", DefaultValueFactory = _ => "auto" };
        var steps = new Option<int?>("--steps") { Description = $"Training steps of each run (default: 4000 for pix2pix, {CycleGanSteps} for cyclegan; each run takes a few minutes on 2 CPU cores; the README gives measured times)." };
        var ratio = new Option<double?>("--target-ratio") { Description = $"Target MACs as a fraction of the full generator's (default: {DefaultRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)})." };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip training the full-width generator the compact one is compared with (FID (ResNet-18) of both)." };
        var cmd = new Command("demo", "Train, compress and translate on the embedded emoji data (no download needed).") { outDir, mode, device, steps, ratio, noBaseline };
        cmd.SetAction(parse =>
        {
            try
            {
                var m = TrainCommand.ParseMode(parse.GetValue(mode)!);
                string root = Path.GetFullPath(parse.GetValue(outDir)!);
                double target = parse.GetValue(ratio) ?? DefaultRatio;
                if (m == TrainMode.Dcgan) return Dcgan(root, parse.GetValue(steps) ?? 1500, target, parse.GetValue(device)!);
                string run = Path.Combine(root, "run");
                string data = DemoData.Extract(TrainingRuns.ModeName(m), Path.Combine(root, "data"));
                int total = parse.GetValue(steps) ?? (m == TrainMode.Pix2Pix ? 4000 : CycleGanSteps);
                var options = new TrainOptions(m, 64, total, run, Ngf: 16, Ndf: 64,
                    CheckpointEvery: Math.Max(100, total / 10), SampleEvery: Math.Max(50, total / 10),
                    Prune: RecipeOptions.WithModeDefaults(new PruneOptions(TargetRatio: target, CheckEvery: 25, SearchShare: 0.4), m));
                if (m == TrainMode.CycleGan)
                    // The U-Net's skips carry the input's shapes and colours, so it learns the skin tone without the
                    // ResNet's speckle, at about half its cost per step; the lighter PatchGAN buys more steps. With train's
                    // recipe defaults (distillation, hyper fine-tune) a quarter of the MACs keeps the translation on every
                    // seed; the published fine-tune collapsed there (docs/quality.md sections 7-7.4, 8.3).
                    options = options with { NetG = GeneratorArch.Unet, Ndf = 32, LayersD = 2, LearningRate = CycleGanLearningRate };
                using var dev = Devices.Open(parse.GetValue(device)!);
                Console.WriteLine($"coronetgan demo: {TrainingRuns.ModeName(m)} on {data}, {total} steps at 64x64 (generator {options.EffectiveNetG.ToString().ToLowerInvariant()} ngf {options.Ngf}, "
                    + $"PatchGAN ndf {options.Ndf} with {options.LayersD} layers, learning rate {options.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}), device {dev.Name} ({dev.Info.Description})");
                var sw = Stopwatch.StartNew();
                var report = TrainOrResume(options, data, dev);
                if (report == null) return 130;
                TrainingConsole.Summarize(report, run);
                string compact = Path.Combine(run, report.CompactModel);

                // The same recipe without pruning, so the compact generator's quality has a reference.
                string? full = null;
                TrainReport? fullReport = null;
                if (!parse.GetValue(noBaseline))
                {
                    string fullRun = Path.Combine(root, "full-run");
                    var fullOptions = options with { OutputDirectory = fullRun, NoPrune = true, Prune = null };
                    Console.WriteLine($"baseline: the full-width generator, same recipe and {total} steps, without pruning");
                    fullReport = TrainOrResume(fullOptions, data, dev);
                    if (fullReport == null) return 130;
                    full = Path.Combine(fullRun, fullReport.CompactModel);
                }
                TranslateTestSet(m, data, compact, full, dev, root);
                DemoScores.Write(root, m, report, compact, fullReport, full, data, dev.Name);
                Console.WriteLine($"demo finished in {sw.Elapsed.TotalMinutes:F1} min; look at {Path.Combine(root, "test-grid.png")}");
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                Console.Error.WriteLine($"error: {CliErrors.Message(e)}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>
    /// The DCGAN demo: a compressed DCGAN (ngf 32, 32 px) on the light-skin-tone Twemoji people and hands, then a grid of
    /// 64 images from fixed noise and FID (ResNet-18) of 256 generated images against the training images.
    /// </summary>
    static int Dcgan(string root, int total, double ratio, string device)
    {
        string run = Path.Combine(root, "run");
        string data = Path.Combine(DemoData.Extract("cyclegan", Path.Combine(root, "data")), "trainA");
        var options = new TrainOptions(TrainMode.Dcgan, 32, total, run, Ngf: 32, Ndf: 32, BatchSize: 16,
            CheckpointEvery: Math.Max(100, total / 10), SampleEvery: Math.Max(50, total / 10),
            Prune: new PruneOptions(TargetRatio: ratio, CheckEvery: 25, SearchShare: 0.4));
        using var dev = Devices.Open(device);
        Console.WriteLine($"coronetgan demo: dcgan on {data}, {total} steps at 32x32, device {dev.Name} ({dev.Info.Description})");
        var report = TrainOrResume(options, data, dev, loadSize: 32);
        if (report == null) return 130;
        TrainingConsole.Summarize(report, run);
        string compact = Path.Combine(run, report.CompactModel);
        using (var sampler = NoiseSampler.Load(compact, dev))
        {
            var images = sampler.Sample(64, seed: 1);
            int plane = 3 * 32 * 32;
            var rows = Enumerable.Range(0, 8).Select(r => (IReadOnlyList<float[]>)Enumerable.Range(0, 8).Select(c => images[((r * 8 + c) * plane)..((r * 8 + c + 1) * plane)]).ToArray()).ToList();
            ImageGrid.Save(Path.Combine(root, "noise-grid.png"), 32, 32, rows);
        }
        var score = Evaluation.GeneratorEvaluation.EvaluateFromNoise(compact, data, dev.Name);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"FID (ResNet-18) of {score.Count} images from noise vs the {score.RealCount} training images: {score.FidResNet18:F1} (not comparable with Inception FIDs)"));
        Console.WriteLine($"look at {Path.Combine(root, "noise-grid.png")}");
        return 0;
    }

    /// <summary>Runs <paramref name="options"/> in its output folder, resuming from its newest checkpoint when there is one; null when cancelled.</summary>
    static TrainReport? TrainOrResume(TrainOptions options, string data, Device dev, int loadSize = 64)
    {
        string dir = options.OutputDirectory;
        using var trainer = TrainingRuns.HasCheckpoint(dir)
            ? TrainingRuns.Resume(dir, data, options, dev, loadSize: loadSize)
            // The demo's own folder: what a run interrupted before its first checkpoint left behind is started again.
            : TrainingRuns.Start(options, data, dev, loadSize: loadSize, overwrite: true);
        return TrainingConsole.Run(trainer, dir);
    }

    /// <summary>
    /// Eight test images spread over the split, one row each: input | full generator's output (when the baseline ran) |
    /// compact generator's output | target (for CycleGAN the same emoji in the other skin tone, which the test split
    /// pairs by file name; training never saw the pairs).
    /// </summary>
    static void TranslateTestSet(TrainMode mode, string data, string compactPath, string? fullPath, Device dev, string root)
    {
        var test = Datasets.Open(data, TrainingRuns.ModeName(mode), 64, "test");
        using var g = Generator.Load(compactPath, dev, 64);
        using var full = fullPath == null ? null : Generator.Load(fullPath, dev, 64);
        var rows = new List<IReadOnlyList<float[]>>();
        // Spread over the split, so the grid shows hands, people and sports rather than its first few names.
        for (int i = 0; i < test.Count && rows.Count < 8; i += Math.Max(1, test.Count / 8))
        {
            var pair = test.Load(i, 0);
            var y = g.Translate(pair.A, 1, 64, 64);
            rows.Add(full == null ? [pair.A, y, pair.B] : [pair.A, full.Translate(pair.A, 1, 64, 64), y, pair.B]);
        }
        ImageGrid.Save(Path.Combine(root, "test-grid.png"), 64, 64, rows);
    }
}
