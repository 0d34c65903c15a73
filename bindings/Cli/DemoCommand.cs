using System.CommandLine;
using System.Diagnostics;

namespace CoroNetGAN.Cli;

/// <summary>
/// <c>coronetgan demo</c>: the whole path on the embedded data, sized for a 2-core CPU: pix2pix colours OpenMoji
/// line art (U-Net ngf 16 at 64 px, compressed to a quarter of its MACs), or CycleGAN turns light-skinned Twemoji
/// people and hands dark-skinned (unpaired training; ResNet-6 ngf 16 at 64 px); then translates the test images with the compact model and writes a grid to look at. The emoji are centred
/// and small, so training uses flips but no resize-and-crop (load size = size), which keeps train and test at one scale.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "coronetgan-demo" };
        var mode = new Option<string>("--mode") { Description = "pix2pix (line art -> colour) or cyclegan (light <-> dark skin tone, unpaired).", DefaultValueFactory = _ => "pix2pix" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl.", DefaultValueFactory = _ => "auto" };
        var steps = new Option<int?>("--steps") { Description = "Training steps of each run (default: 4000 for pix2pix, 3000 for cyclegan; the compressed run and the full baseline take about 6 minutes each on 2 idle CPU cores)." };
        var ratio = new Option<double>("--target-ratio") { Description = "Target MACs as a fraction of the full generator's.", DefaultValueFactory = _ => 0.25 };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip training the full-width generator the compact one is compared with (FID (ResNet-18) of both)." };
        var cmd = new Command("demo", "Train, compress and translate on the embedded emoji data (no download needed).") { outDir, mode, device, steps, ratio, noBaseline };
        cmd.SetAction(parse =>
        {
            try
            {
                var m = TrainCommand.ParseMode(parse.GetValue(mode)!);
                string root = Path.GetFullPath(parse.GetValue(outDir)!);
                string run = Path.Combine(root, "run");
                string data = DemoData.Extract(TrainingRuns.ModeName(m), Path.Combine(root, "data"));
                int total = parse.GetValue(steps) ?? (m == TrainMode.Pix2Pix ? 4000 : 3000);
                var options = new TrainOptions(m, 64, total, run, Ngf: 16, Ndf: 64,
                    NetG: m == TrainMode.CycleGan ? GeneratorArch.Resnet6 : null,
                    CheckpointEvery: Math.Max(100, total / 10), SampleEvery: Math.Max(50, total / 10),
                    Prune: new PruneOptions(TargetRatio: parse.GetValue(ratio), CheckEvery: 25, SearchShare: 0.4));
                using var dev = Devices.Open(parse.GetValue(device)!);
                Console.WriteLine($"coronetgan demo: {TrainingRuns.ModeName(m)} on {data}, {total} steps at 64x64, device {dev.Name} ({dev.Info.Description})");
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

    /// <summary>Runs <paramref name="options"/> in its output folder, resuming from its newest checkpoint when there is one; null when cancelled.</summary>
    static TrainReport? TrainOrResume(TrainOptions options, string data, Device dev)
    {
        string dir = options.OutputDirectory;
        using var trainer = TrainingRuns.HasCheckpoint(dir)
            ? TrainingRuns.Resume(dir, data, options, dev, loadSize: 64)
            // The demo's own folder: what a run interrupted before its first checkpoint left behind is started again.
            : TrainingRuns.Start(options, data, dev, loadSize: 64, overwrite: true);
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
