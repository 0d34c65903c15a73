using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CoroNetGAN.Cli;

/// <summary>Runs a trainer with a live progress bar, sample grids, the run report (plots, index.html) and a closing summary.</summary>
internal static class TrainingConsole
{
    /// <summary>Runs to the end (or Ctrl+C, which checkpoints first); returns the report, or null when cancelled.</summary>
    public static TrainReport? Run(TrainingRun trainer, string outDir)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "samples"));
        var o = trainer.Options;
        trainer.Sample += s =>
        {
            string file = Path.Combine(outDir, "samples", $"step-{s.Step:D7}{(s.Generator == "G" || s.Generator == "G_A" ? "" : "-" + s.Generator)}.png");
            ImageGrid.Save(file, s);
        };
        trainer.Log += line => Console.WriteLine($"  {OptionFlags.Rewrite(line)}");
        using var page = RunReport.Attach(trainer, writeSamples: false, warn: line => Console.WriteLine($"  warning: {line}"));
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        TrainReport? report = null;
        long lastLine = -1;
        try
        {
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: o.TotalSteps);
                    task.Value = trainer.Step;
                    trainer.Progress += p =>
                    {
                        task.Value = p.Step;
                        string losses = string.Join(" ", p.Losses.Select(kv => $"{kv.Key} {kv.Value.ToString("F3", CultureInfo.InvariantCulture)}"));
                        task.Description = Markup.Escape($"{p.Phase} {p.Step}/{p.TotalSteps} MACs {p.MacsRatio:P1} {losses}");
                        // Redirected output shows no live bar: also write one plain line per hundredth of the run.
                        if (Console.IsOutputRedirected && (p.Step - lastLine) * 100 >= p.TotalSteps)
                        {
                            lastLine = p.Step;
                            Console.WriteLine($"step {p.Step}/{p.TotalSteps} [{p.Phase}] MACs {p.MacsRatio:P2} {losses} eta {p.Eta?.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) ?? "-"}");
                        }
                    };
                    report = trainer.Run(cts.Token);
                    task.Value = o.TotalSteps;
                });
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"interrupted at step {trainer.Step}; a checkpoint was written. Resume with --resume.");
            WriteRunReport(trainer, null, outDir);
            return null;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        WriteRunReport(trainer, report, outDir);
        return report;
    }

    /// <summary>The plots and index.html; a run whose report cannot be drawn has still trained, so this only warns.</summary>
    static void WriteRunReport(TrainingRun trainer, TrainReport? report, string outDir)
    {
        try
        {
            RunReport.Write(trainer, report);
            Console.WriteLine($"run report: {Path.Combine(outDir, "index.html")} (plots: plot.png, losses.png, losses-log.png, macs.png, widths*.png)");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"warning: the run report was not written: {e.Message}");
        }
    }

    /// <summary>Prints the summary of a finished run.</summary>
    public static void Summarize(TrainReport r, string outDir)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"{r.Mode} {r.Arch} at {r.Size}x{r.Size}: MACs (at {r.MacImageSize}x{r.MacImageSize}, torchprofile) {r.FullMacs.ToString("N0", c)} -> {r.CompactMacs.ToString("N0", c)} " +
            $"({(double)r.CompactMacs / r.FullMacs:P1}{(r.TargetMacs is { } tm ? $"; target {(double)tm / r.FullMacs:P1}" : "; not pruned")}), parameters {r.FullParams.ToString("N0", c)} -> {r.CompactParams.ToString("N0", c)}");
        Console.WriteLine($"widths ({r.WidthLayout}): [{string.Join(", ", r.Widths)}]");
        if (r.Test is { } t)
            Console.WriteLine($"test L1 (compact generator): {t.L1:F4}   identity L1 (output = input): {t.IdentityL1:F4}   mean L1 (output = mean target): {t.MeanL1:F4}");
        Console.WriteLine($"wrote {Path.Combine(outDir, "compact.safetensors")}, report.json, history.json, index.html, plot.png, samples/");
    }

    /// <summary>Reads a finished run's report.</summary>
    public static JsonDocument ReadReport(string outDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
}
