using System.CommandLine;
using System.Globalization;
using CoroNetGAN.Evaluation;
using Spectre.Console;

namespace CoroNetGAN.Cli;

/// <summary>
/// <c>coronetgan study</c>: full against CoroNetGAN-compressed against uniformly narrowed generators, over seeds, with
/// intervals (<see cref="Study"/>).
/// </summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var recipe = new RecipeOptions();
        var outDir = new Option<string>("--out") { Description = "The study folder: one run per subfolder, study.json, study.md.", Required = true };
        var ratios = new Option<string>("--ratios") { Description = "Target MAC ratios, comma-separated, each in (0, 1] (e.g. 0.25,0.1).", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method and ratio (--seed, +1, ...); 3 or more for intervals over seeds.", DefaultValueFactory = _ => 3 };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted study: finished runs (with scores.json) are kept, an interrupted run resumes from its checkpoint." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples of the test images for each score's 95% interval.", DefaultValueFactory = _ => 200 };
        var minTest = new Option<int>("--min-test-images") { Description = "The fewest test images the study accepts.", DefaultValueFactory = _ => 50 };
        var cmd = new Command("study", "Compression study: for each seed, train the full generator, CoroNetGAN at each --ratios target, and a uniform-width generator " +
            "of the compressed one's MACs from scratch; score each on the test split (FID and KID (ResNet-18) with bootstrap intervals; L1, PSNR, SSIM for paired data); " +
            "write study.json and study.md (mean and 95% interval over seeds). Every training option passes through.");
        recipe.AddTo(cmd);
        foreach (var o in new Option[] { outDir, ratios, seeds, resume, bootstrap, minTest }) cmd.Add(o);
        cmd.SetAction(parse =>
        {
            try
            {
                var targets = ParseRatios(parse.GetValue(ratios)!);
                if (!recipe.LengthGiven(parse)) throw new ArgumentException("give each run's length: --steps N, or --epochs N (with --epochs-decay M).");
                var baseOptions = recipe.Build(parse, parse.GetValue(outDir)!, noPrune: false, targetRatio: targets[0], targetGMacs: null);
                var study = new Study(new StudyOptions(baseOptions, parse.GetValue(recipe.Data)!, parse.GetValue(outDir)!, targets, parse.GetValue(seeds),
                    parse.GetValue(recipe.LoadSize), parse.GetValue(recipe.SkipBad), parse.GetValue(bootstrap), parse.GetValue(minTest)));
                using var dev = Devices.Open(parse.GetValue(recipe.Device)!);
                Console.WriteLine($"study: {study.Plan.Count} runs of {baseOptions.TotalSteps} steps on {dev.Name} ({dev.Info.Description})");
                study.Log += line => Console.WriteLine($"  {OptionFlags.Rewrite(line)}");
                using var cts = new CancellationTokenSource();
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
                Console.CancelKeyPress += onCancel;
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
                var sw = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    long lastLine = -1;
                    console.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .Start(ctx =>
                        {
                            var task = ctx.AddTask("study", maxValue: study.Plan.Count * (double)baseOptions.TotalSteps);
                            study.Progress += p =>
                            {
                                task.Value = p.StepsDone;
                                task.Description = Markup.Escape($"run {p.Run}/{p.Runs} {p.Name}");
                                if (Console.IsOutputRedirected && (p.StepsDone - lastLine) * 100 >= p.StepsTotal)
                                {
                                    lastLine = p.StepsDone;
                                    Console.WriteLine($"study {100.0 * p.StepsDone / p.StepsTotal:F0}% run {p.Run}/{p.Runs} {p.Name} eta {p.Eta?.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) ?? "-"}");
                                }
                            };
                            study.Run(dev, parse.GetValue(resume), cts.Token);
                        });
                }
                catch (OperationCanceledException)
                {
                    Console.WriteLine("interrupted: finished runs are kept and the current one has a checkpoint. Continue with --resume.");
                    return 130;
                }
                finally { Console.CancelKeyPress -= onCancel; }
                string root = Path.GetFullPath(parse.GetValue(outDir)!);
                Console.WriteLine(File.ReadAllText(Path.Combine(root, "study.md")));
                Console.WriteLine($"study finished in {sw.Elapsed.TotalMinutes:F1} min: {Path.Combine(root, "study.md")}, study.json");
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

    static double[] ParseRatios(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new ArgumentException($"--ratios: '{parts[i]}' is not a number (give ratios such as 0.25,0.1).");
        if (values.Length == 0) throw new ArgumentException("--ratios: give at least one ratio, such as 0.25,0.1.");
        return values;
    }
}
