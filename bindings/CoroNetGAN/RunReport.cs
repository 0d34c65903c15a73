using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>One generator's per-layer widths: the full generator's and the compact (or, while searching, current) one's.</summary>
/// <param name="Generator">G, or G_A and G_B for CycleGAN.</param>
/// <param name="Layers">The width layout's names (ResNet: c1, d1, R, b1.., u1, u2; U-Net: d1..dN, uN..u2).</param>
/// <param name="Full">The full generator's widths.</param>
/// <param name="Current">The compact generator's widths, or the search's current widths.</param>
public sealed record GeneratorWidths(string Generator, IReadOnlyList<string> Layers, IReadOnlyList<int> Full, IReadOnlyList<int> Current);

/// <summary>What the run report shows of a run at one moment. Immutable by convention.</summary>
/// <param name="OutputDirectory">The run's folder; the report's files go there.</param>
/// <param name="Options">The run's settings.</param>
/// <param name="Step">Steps done.</param>
/// <param name="Phase">The current phase (search, finetune or train).</param>
/// <param name="History">Per-step records.</param>
/// <param name="Widths">Widths per generator.</param>
/// <param name="TargetRatio">The search's target as a fraction of the full MACs; null without pruning.</param>
/// <param name="Report">The finished run's report; null while it trains.</param>
/// <param name="Written">When the snapshot was taken.</param>
public sealed record RunSnapshot(string OutputDirectory, TrainOptions Options, long Step, string Phase, IReadOnlyList<HistoryEntry> History,
    IReadOnlyList<GeneratorWidths> Widths, double? TargetRatio, TrainReport? Report, DateTimeOffset Written)
{
    /// <summary>True once the run has its report.</summary>
    public bool Finished => Report != null;
}

/// <summary>
/// The run report of a training run: the plots (<see cref="RunPlots"/>: <c>plot.png</c>, <c>losses.png</c>,
/// <c>losses-log.png</c>, <c>macs.png</c>, <c>widths.png</c> or <c>widths-G_A.png</c> and <c>widths-G_B.png</c>) and
/// <c>index.html</c> (<see cref="RunReportPage"/>), in the run's folder. <see cref="Attach"/> rewrites them at every
/// checkpoint while the trainer runs, so the page can be watched; <see cref="Write(TrainingRun, TrainReport?)"/> writes them
/// once (call it with the report when the run has finished).
/// </summary>
public static class RunReport
{
    /// <summary>File name of a sample grid in <c>samples/</c>: <c>step-NNNNNNN.png</c> for G or G_A, <c>step-NNNNNNN-G_B.png</c> for G_B.</summary>
    public static string SampleFileName(TrainSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        string suffix = sample.Generator is "G" or "G_A" ? "" : "-" + sample.Generator;
        return $"step-{sample.Step:D7}{suffix}.png";
    }

    /// <summary>
    /// Rewrites the report after every step that <see cref="TrainingRun.Run"/> checkpoints (each
    /// <see cref="TrainOptions.CheckpointEvery"/> steps), on the training thread. A report that cannot be written
    /// (disk full, no permission, any other failure) does not stop training: <paramref name="warn"/> gets the reason.
    /// Dispose the result to stop.
    /// </summary>
    /// <param name="trainer">The run.</param>
    /// <param name="writeSamples">Also save every sample grid into <c>samples/</c> (the page shows them); the command
    /// line saves them itself.</param>
    /// <param name="warn">Receives a line when the report could not be written; null: ignored.</param>
    public static IDisposable Attach(TrainingRun trainer, bool writeSamples = true, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        string dir = trainer.Options.OutputDirectory;
        Action<TrainSample> onSample = s =>
        {
            try { ImageGrid.Save(Path.Combine(dir, "samples", SampleFileName(s)), s); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { warn?.Invoke($"sample not saved: {e.Message}"); }
        };
        Action<TrainProgress> onProgress = p =>
        {
            int every = trainer.Options.CheckpointEvery;
            if (every <= 0 || p.Step % every != 0 || p.Step >= p.TotalSteps) return;
            // Any failure, not only I/O: a report is worth less than the hours of training a crash here would end.
            try { Write(Snapshot(trainer, null, p.Widths)); }
            catch (Exception e) when (e is not OutOfMemoryException) { warn?.Invoke($"run report not written: {e.GetType().Name}: {e.Message}"); }
        };
        if (writeSamples) trainer.Sample += onSample;
        trainer.Progress += onProgress;
        return new Detach(() =>
        {
            if (writeSamples) trainer.Sample -= onSample;
            trainer.Progress -= onProgress;
        });
    }

    /// <summary>Writes the plots and <c>index.html</c> for <paramref name="trainer"/> now; pass the report of a finished run.</summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(TrainingRun trainer, TrainReport? report = null) => Write(Snapshot(trainer, report, null));

    /// <summary>Writes the plots and <c>index.html</c> of <paramref name="snapshot"/> into its folder.</summary>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        string dir = snapshot.OutputDirectory;
        var files = new List<string>();
        string F(string name) { string p = Path.Combine(dir, name); files.Add(p); return p; }
        RunPlots.WriteOverview(snapshot.History, F("plot.png"), snapshot.TargetRatio);
        RunPlots.WriteLosses(snapshot.History, F("losses.png"));
        RunPlots.WriteLosses(snapshot.History, F("losses-log.png"), new LossPlotOptions { LogScale = true });
        RunPlots.WriteMacs(snapshot.History, F("macs.png"), snapshot.TargetRatio);
        foreach (var w in snapshot.Widths)
        {
            string what = snapshot.Finished || snapshot.Phase != Trainer.SearchPhase ? "compact" : $"current (step {snapshot.Step})";
            RunPlots.WriteWidths($"{w.Generator}: channels per layer, full and {what}", w.Layers, w.Full, w.Current,
                F(WidthsFileName(snapshot, w)));
        }
        RunReportPage.Write(snapshot, F("index.html"));
        return files;
    }

    /// <summary><c>widths.png</c> for a single generator, <c>widths-NAME.png</c> for each of several.</summary>
    internal static string WidthsFileName(RunSnapshot snapshot, GeneratorWidths w) =>
        snapshot.Widths.Count == 1 ? "widths.png" : $"widths-{w.Generator}.png";

    /// <summary>The report's view of <paramref name="run"/> now.</summary>
    /// <param name="run">The run.</param>
    /// <param name="report">The finished run's report, or null.</param>
    /// <param name="currentWidths">The search's current widths by generator (from <see cref="TrainProgress.Widths"/>);
    /// null: the generators' own (full while searching, compact after).</param>
    public static RunSnapshot Snapshot(TrainingRun run, TrainReport? report = null, IReadOnlyDictionary<string, int[]>? currentWidths = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var trainer = run.Trainer;
        var o = trainer.Options;
        var widths = new List<GeneratorWidths>();
        long fullMacs = 0;
        foreach (var (name, model) in trainer.CurrentGenerators)
        {
            var (layers, full) = FullWidths(model);
            IReadOnlyList<int> current = currentWidths?.GetValueOrDefault(name) ?? ModelShapes.Widths(model) ?? full;
            if (report != null)
                current = (name is "G" or "G_A" ? report.Widths : report.WidthsBtoA) ?? current;
            widths.Add(new GeneratorWidths(name, layers, full, current.ToArray()));
            if (fullMacs == 0 && !o.NoPrune && report == null && o.EffectivePrune.TargetRatio == null) fullMacs = CountFull(model, o.EffectivePrune.MacImageSize);
        }
        double? target = o.NoPrune ? null
            : report is { TargetMacs: { } t } ? (double)t / report.FullMacs
            : o.EffectivePrune.TargetRatio ?? (o.EffectivePrune.TargetGMacs is { } g && fullMacs > 0 ? g * 1e9 / fullMacs : null);
        return new RunSnapshot(o.OutputDirectory, o, trainer.Step, trainer.Phase, trainer.History.ToArray(), widths, target, report, DateTimeOffset.UtcNow);
    }

    /// <summary>The width layout's names and the full widths of a ResNet or U-Net generator (plain or searching).</summary>
    internal static (string[] Layers, int[] Full) FullWidths(Module generator) => generator switch
    {
        ResnetGenerator r => (ResnetGenerator.WidthLayout(r.Config.Blocks).Split(", "), ResnetGenerator.FullWidths(r.Config.Ngf, r.Config.Blocks)),
        UnetGenerator u => (UnetGenerator.WidthLayout(u.Config.NumDowns).Split(", "), UnetGenerator.FullWidths(u.Config.Ngf, u.Config.NumDowns)),
        _ => throw new ArgumentException($"not a generator: {generator.GetType().Name}."),
    };

    static long CountFull(Module generator, int size)
    {
        using var full = generator switch
        {
            ResnetGenerator r => (Module)new ResnetGenerator(r.Config with { Widths = null }, Device.Meta),
            UnetGenerator u => new UnetGenerator(u.Config with { Widths = null }, Device.Meta),
            _ => throw new ArgumentException($"not a generator: {generator.GetType().Name}."),
        };
        return MacCounter.Count(full, 1, ModelShapes.InputChannels(generator), size, size).Macs;
    }

    sealed class Detach(Action action) : IDisposable
    {
        Action? _action = action;
        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }
}
