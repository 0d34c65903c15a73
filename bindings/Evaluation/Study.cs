using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Evaluation;

/// <summary>What a compression study trains and scores.</summary>
/// <param name="Base">The recipe every run shares (mode, size, steps, widths, seed of the first seed, ...); its output
/// folder, pruning switch and target are set per run.</param>
/// <param name="DataDirectory">The dataset (train and test splits).</param>
/// <param name="OutputDirectory">The study folder: one subfolder per run, study.json and study.md.</param>
/// <param name="Ratios">Target MAC ratios, each in (0, 1].</param>
/// <param name="Seeds">Seeds per method and ratio (the base seed, +1, ...).</param>
/// <param name="LoadSize">Resize-before-crop size of the training images (null: the trainer's default).</param>
/// <param name="SkipBadImages">Skip unreadable images with a warning.</param>
/// <param name="BootstrapResamples">Bootstrap resamples of the test images for every score's 95% interval.</param>
/// <param name="MinimumTestImages">The fewest test images the study accepts (FID from fewer is mostly noise).</param>
public sealed record StudyOptions(TrainOptions Base, string DataDirectory, string OutputDirectory, IReadOnlyList<double> Ratios, int Seeds,
    int? LoadSize = null, bool SkipBadImages = false, int BootstrapResamples = 200, int MinimumTestImages = 50);

/// <summary>One training run of a study.</summary>
/// <param name="Name">Its folder name: full-s0, coronetgan-r0.25-s0, uniform-r0.25-s0.</param>
/// <param name="Method">"full" (the plain generator at full width), "coronetgan" (searched and extracted at the ratio),
/// "uniform" (every width scaled by one factor to the compressed run's MACs, trained from scratch).</param>
/// <param name="Ratio">The target ratio; null for the full run.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record StudyRunPlan(string Name, string Method, double? Ratio, int Seed);

/// <summary>A scored run (one row of study.json).</summary>
public sealed record StudyRunResult
{
    /// <summary>The plan it ran.</summary>
    public required StudyRunPlan Run { get; init; }
    /// <summary>MACs of the generator it produced (the A-to-B one for CycleGAN), at the MAC image size.</summary>
    public required long Macs { get; init; }
    /// <summary>MACs of the full-width generator.</summary>
    public required long FullMacs { get; init; }
    /// <summary>Parameters of the generator it produced.</summary>
    public required long Params { get; init; }
    /// <summary>Its per-layer widths.</summary>
    public required int[] Widths { get; init; }
    /// <summary>Training wall time in seconds (every phase, summed over resumed sessions).</summary>
    public required double TrainSeconds { get; init; }
    /// <summary>For a uniform run: how its MACs were matched (the compressed run's MACs it aimed at, its own, the gap).</summary>
    public string? Matched { get; init; }
    /// <summary>FID (ResNet-18) with its bootstrap 95% interval over test images.</summary>
    public required Interval Fid { get; init; }
    /// <summary>KID (ResNet-18) with its bootstrap interval.</summary>
    public required Interval Kid { get; init; }
    /// <summary>L1 to the true target (paired test data only).</summary>
    public Interval? L1 { get; init; }
    /// <summary>PSNR in dB (paired only).</summary>
    public Interval? Psnr { get; init; }
    /// <summary>SSIM (paired only).</summary>
    public Interval? Ssim { get; init; }
    /// <summary>Test images scored.</summary>
    public required int TestImages { get; init; }
    /// <summary>For a CoroNetGAN run: the same scores of its generator as extracted, before the first fine-tune step
    /// (<c>extracted.safetensors</c>); null for the other methods and for runs trained before that file was kept.</summary>
    public StudyScores? AtExtraction { get; init; }
}

/// <summary>Test scores of one generator file, each with its bootstrap 95% interval over test images.</summary>
/// <param name="Fid">FID (ResNet-18).</param>
/// <param name="Kid">KID (ResNet-18).</param>
/// <param name="L1">L1 to the true target (paired test data only).</param>
/// <param name="Psnr">PSNR in dB (paired only).</param>
/// <param name="Ssim">SSIM (paired only).</param>
public sealed record StudyScores(Interval Fid, Interval Kid, Interval? L1, Interval? Psnr, Interval? Ssim)
{
    /// <summary>Test images scored.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int TestImages { get; init; }
}

/// <summary>Where a study stands (raised by <see cref="Study.Progress"/>). Immutable.</summary>
/// <param name="Run">The run in progress (1-based) and the number of runs.</param>
/// <param name="Runs">Runs in the study.</param>
/// <param name="Name">The run's name.</param>
/// <param name="StepsDone">Training steps done over the whole study (finished runs count fully).</param>
/// <param name="StepsTotal">Training steps of the whole study.</param>
/// <param name="Eta">Estimated time to the end at this session's speed; null before any step.</param>
public sealed record StudyProgress(int Run, int Runs, string Name, long StepsDone, long StepsTotal, TimeSpan? Eta);

/// <summary>
/// A compression study (issue: "a trade-off curve users can trust"): for every seed it trains the full generator,
/// CoroNetGAN compressed to each ratio, and a uniform-width generator of the compressed one's MACs trained from
/// scratch with the same recipe, then scores each on the test split (FID and KID (ResNet-18) with bootstrap intervals;
/// L1, PSNR and SSIM for paired data). Every run is an ordinary resumable training run in its own folder; a run whose
/// scores.json exists is finished and never redone, so <see cref="Run"/> with resume continues an interrupted study.
/// Writes study.json (every run), study.md (mean and 95% t-interval over seeds per method and ratio) and study.png (FID
/// and, for paired data, L1 against GMACs with error bars). Not
/// thread-safe: one study runs on one thread.
/// </summary>
public sealed class Study
{
    readonly StudyOptions _options;

    /// <summary>Validates the options (ratios, seeds, the test split's size) before anything is trained.</summary>
    /// <exception cref="ArgumentException">A ratio outside (0, 1], fewer than 1 seed, a test split too small (the message
    /// names how many images are needed), or a bad training option.</exception>
    public Study(StudyOptions options)
    {
        _options = options;
        if (options.Ratios.Count == 0) throw new ArgumentException("give at least one target ratio (--ratios 0.25,0.1).");
        foreach (var r in options.Ratios)
            if (!(r > 0 && r <= 1)) throw new ArgumentException($"every ratio must be in (0, 1], got {r.ToString(CultureInfo.InvariantCulture)}.");
        if (options.Ratios.Distinct().Count() != options.Ratios.Count) throw new ArgumentException("the ratios repeat one another.");
        if (options.Seeds < 1) throw new ArgumentException($"a study needs at least 1 seed (3 for intervals), got {options.Seeds}.");
        if (options.BootstrapResamples is < 20 and not 0) throw new ArgumentException($"the bootstrap needs at least 20 resamples, got {options.BootstrapResamples}.");
        (options.Base with { OutputDirectory = options.OutputDirectory }).Validate();
        // Every target must be reachable with the minimum channels, checked now rather than hours into the study.
        var full = GeneratorShapes.FullWidths(options.Base);
        int minChannels = options.Base.EffectivePrune.MinChannels;
        double floor = (double)GeneratorShapes.Macs(options.Base, full.Select(w => Math.Min(w, minChannels)).ToArray()) / GeneratorShapes.Macs(options.Base, full);
        foreach (var r in options.Ratios.Where(r => r < floor))
            throw new ArgumentException($"the ratio {r.ToString(CultureInfo.InvariantCulture)} is below what {minChannels} channels per layer allow " +
                $"({floor.ToString("P2", CultureInfo.InvariantCulture)} of the full MACs for this generator): raise the ratio or widen the generator (--ngf).");
        var (_, test) = TrainingRuns.OpenData(options.DataDirectory, options.Base.Mode, options.Base.Size, options.SkipBadImages, options.LoadSize,
            btoA: options.Base.BtoA);
        int images = test?.Count ?? 0;
        if (images < options.MinimumTestImages)
            throw new ArgumentException($"{Path.GetFullPath(options.DataDirectory)}: the test split holds {images} images; the study's FID, KID and their " +
                $"intervals need at least {options.MinimumTestImages} (FID from fewer images is mostly noise). Add test images or lower the minimum.");
        Plan = BuildPlan(options);
    }

    /// <summary>Every run, in the order they train (per seed: full, then per ratio the compressed run and its uniform match).</summary>
    public IReadOnlyList<StudyRunPlan> Plan { get; }

    /// <summary>Raised after every training step and when a run starts or is skipped as finished.</summary>
    public event Action<StudyProgress>? Progress;

    /// <summary>Human-readable lines: run starts, skips, scores, the training runs' own log lines.</summary>
    public event Action<string>? Log;

    /// <summary>
    /// Trains and scores every run not yet finished, then writes study.json and study.md and returns the results.
    /// Without <paramref name="resume"/> the study folder must be new or empty, so an earlier study is never mixed in.
    /// </summary>
    /// <exception cref="IOException">The folder holds an earlier study and <paramref name="resume"/> is off.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every finished run stays, the current one has a checkpoint.</exception>
    public IReadOnlyList<StudyRunResult> Run(Device device, bool resume, CancellationToken cancellation = default)
    {
        string root = Path.GetFullPath(_options.OutputDirectory);
        if (!resume && Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            throw new IOException($"{root} already holds files (an earlier study?): continue it with --resume, or choose a new --out.");
        Directory.CreateDirectory(root);
        long perRun = _options.Base.TotalSteps, total = perRun * Plan.Count, doneBefore = 0, sessionSteps = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<StudyRunResult>();
        using var features = ImageFeatures.Open();
        for (int i = 0; i < Plan.Count; i++)
        {
            var plan = Plan[i];
            string folder = Path.Combine(root, plan.Name);
            string scores = Path.Combine(folder, "scores.json");
            if (File.Exists(scores))
            {
                results.Add(JsonSerializer.Deserialize<StudyRunResult>(File.ReadAllText(scores), Json)
                    ?? throw new InvalidDataException($"{scores} is empty."));
                Log?.Invoke($"{plan.Name}: finished earlier (scores.json), not redone");
                doneBefore += perRun;
                Progress?.Invoke(new StudyProgress(i + 1, Plan.Count, plan.Name, doneBefore, total, null));
                continue;
            }
            var options = RunOptions(plan, folder, results);
            Log?.Invoke($"{plan.Name}: {Describe(plan)}{(options.Widths is { } w ? $", widths [{string.Join(",", w)}]" : "")}");
            TrainReport report;
            using (var trainer = TrainingRuns.HasCheckpoint(folder)
                ? TrainingRuns.Resume(folder, _options.DataDirectory, options, device, _options.SkipBadImages, _options.LoadSize)
                // A run that stopped before its first checkpoint left only samples behind: with resume it starts again.
                : TrainingRuns.Start(options, _options.DataDirectory, device, _options.SkipBadImages, _options.LoadSize, overwrite: resume))
            {
                long start = trainer.Step;
                trainer.Log += line => Log?.Invoke($"{plan.Name}: {line}");
                trainer.Progress += p =>
                {
                    sessionSteps++;
                    long done = doneBefore + p.Step;
                    var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / sessionSteps * (total - done));
                    Progress?.Invoke(new StudyProgress(i + 1, Plan.Count, plan.Name, done, total, eta));
                };
                report = trainer.Run(cancellation);
            }
            doneBefore += perRun;
            var result = Score(plan, options, report, folder, device, results, features);
            WriteAtomically(scores, JsonSerializer.Serialize(result, Json));
            results.Add(result);
            Log?.Invoke($"{plan.Name}: MACs {(double)result.Macs / result.FullMacs:P2} of full, FID (ResNet-18) {result.Fid.Format("F1")}" +
                (result.L1 is { } l1 ? $", L1 {l1.Format("F4")}" : ""));
        }
        WriteAtomically(Path.Combine(root, "study.json"), JsonSerializer.Serialize(new { options = Describe(), runs = results }, Json));
        WriteAtomically(Path.Combine(root, "study.md"), Markdown(results));
        RunPlots.WriteTradeOff(Path.Combine(root, "study.png"), TradeOff(results));
        return results;
    }

    static IReadOnlyList<StudyRunPlan> BuildPlan(StudyOptions o)
    {
        var plan = new List<StudyRunPlan>();
        for (int k = 0; k < o.Seeds; k++)
        {
            int seed = o.Base.Seed + k;
            plan.Add(new StudyRunPlan($"full-s{seed}", "full", null, seed));
            foreach (var r in o.Ratios)
            {
                string tag = r.ToString("0.###", CultureInfo.InvariantCulture);
                plan.Add(new StudyRunPlan($"coronetgan-r{tag}-s{seed}", "coronetgan", r, seed));
                plan.Add(new StudyRunPlan($"uniform-r{tag}-s{seed}", "uniform", r, seed));
            }
        }
        return plan;
    }

    TrainOptions RunOptions(StudyRunPlan plan, string folder, List<StudyRunResult> done)
    {
        var o = _options.Base with { OutputDirectory = folder, Seed = plan.Seed };
        switch (plan.Method)
        {
            case "full":
                return o with { NoPrune = true, Prune = null, Widths = null };
            case "coronetgan":
                return o with { NoPrune = false, Widths = null, Prune = (o.Prune ?? new PruneOptions()) with { TargetRatio = plan.Ratio, TargetGMacs = null } };
            default:
                var compact = CompressedRun(plan, done);
                var (widths, _) = GeneratorShapes.UniformWidths(o with { NoPrune = true, Prune = null }, compact.Macs);
                return o with { NoPrune = true, Prune = null, Widths = widths };
        }
    }

    /// <summary>The finished CoroNetGAN run a uniform run matches (same ratio and seed; it trains first).</summary>
    static StudyRunResult CompressedRun(StudyRunPlan plan, List<StudyRunResult> done) =>
        done.Single(x => x.Run.Method == "coronetgan" && x.Run.Ratio == plan.Ratio && x.Run.Seed == plan.Seed);

    StudyRunResult Score(StudyRunPlan plan, TrainOptions options, TrainReport report, string folder, Device device, List<StudyRunResult> done,
        ImageFeatures features)
    {
        var eval = new EvaluationOptions
        {
            Size = options.Size, Features = features, BootstrapResamples = _options.BootstrapResamples, SkipBadImages = _options.SkipBadImages,
        };
        // Without bootstrap resamples FID and KID carry no interval: the value alone, as a zero-width one.
        static Interval Whole(double v) => new(v, v, v, 0.95, 0);
        StudyScores Score(string file)
        {
            var e = GeneratorEvaluation.Evaluate(Path.Combine(folder, file), _options.DataDirectory, device.Name, eval);
            return new StudyScores(e.Fid ?? Whole(e.FidResNet18), e.Kid ?? Whole(e.KidResNet18Mean), e.L1, e.Psnr, e.Ssim) { TestImages = e.Count };
        }
        var r = Score(report.CompactModel);
        var atExtraction = plan.Method == "coronetgan" && report.ExtractedModel is { } extracted ? Score(Path.GetFileName(extracted)) : null;
        string? matched = null;
        if (plan.Method == "uniform")
        {
            var compact = CompressedRun(plan, done);
            matched = $"widths scaled by one factor to at most the compressed run's {compact.Macs:N0} MACs: {report.CompactMacs:N0} " +
                $"({(report.CompactMacs - compact.Macs) / (double)compact.Macs:P2})";
        }
        return new StudyRunResult
        {
            Run = plan, Macs = report.CompactMacs, FullMacs = report.FullMacs, Params = report.CompactParams, Widths = report.Widths,
            TrainSeconds = report.Phases.Values.Sum(p => p.Seconds), Matched = matched,
            Fid = r.Fid, Kid = r.Kid, L1 = r.L1, Psnr = r.Psnr, Ssim = r.Ssim, TestImages = r.TestImages,
            AtExtraction = atExtraction,
        };
    }

    /// <summary>The method name of study.md's rows that score CoroNetGAN runs as extracted, before fine-tuning.</summary>
    internal const string AtExtractionMethod = "coronetgan at extraction";

    static string Describe(StudyRunPlan p) => p.Method switch
    {
        "full" => $"the full generator, seed {p.Seed}",
        "coronetgan" => $"CoroNetGAN compressed to {p.Ratio:P1} of the MACs, seed {p.Seed}",
        _ => $"a uniform-width generator of the compressed run's MACs ({p.Ratio:P1}), from scratch, seed {p.Seed}",
    };

    object Describe() => new
    {
        mode = TrainingRuns.ModeName(_options.Base.Mode), data = Path.GetFullPath(_options.DataDirectory), ratios = _options.Ratios, seeds = _options.Seeds,
        steps = _options.Base.TotalSteps, size = _options.Base.Size, ngf = _options.Base.Ngf, ndf = _options.Base.Ndf, arch = _options.Base.EffectiveNetG.ToString(),
        bootstrapResamples = _options.BootstrapResamples,
    };

    /// <summary>FID (ResNet-18) and, for paired data, L1 against GMACs: per method its means over seeds with t-intervals.</summary>
    internal static List<(string Metric, IReadOnlyList<TradeOffSeries> Series)> TradeOff(IReadOnlyList<StudyRunResult> results)
    {
        IReadOnlyList<TradeOffSeries> Series(Func<StudyRunResult, double?> metric) => results
            .Where(r => metric(r) is { } v && double.IsFinite(v))
            .GroupBy(r => r.Run.Method)
            .Select(m => new TradeOffSeries(m.Key switch { "full" => "full width", "coronetgan" => "CoroNetGAN (searched, extracted, fine-tuned)", _ => "uniform width, from scratch" },
                m.GroupBy(r => r.Run.Ratio).Select(g =>
                {
                    var t = Bootstrap.MeanT(g.Select(r => metric(r)!.Value).ToList());
                    return new TradeOffPoint(g.Average(r => r.Macs) / 1e9, t.Value, (t.High - t.Low) / 2);
                }).ToList()))
            .ToList();
        var panels = new List<(string, IReadOnlyList<TradeOffSeries>)> { ("FID (ResNet-18)", Series(r => r.Fid.Value)) };
        if (results.Any(r => r.L1 != null)) panels.Add(("L1 to the true target", Series(r => r.L1?.Value)));
        return panels;
    }

    /// <summary>study.md: per method and ratio the mean over seeds with its 95% t-interval, then every run with its bootstrap intervals.</summary>
    internal static string Markdown(IReadOnlyList<StudyRunResult> measured)
    {
        var c = CultureInfo.InvariantCulture;
        // A CoroNetGAN run's scores at extraction are rows of their own ("coronetgan at extraction"), beside its final ones.
        var results = measured.Concat(measured.Where(r => r.AtExtraction != null).Select(r => r with
        {
            Run = r.Run with { Name = r.Run.Name + " (at extraction)", Method = AtExtractionMethod },
            Fid = r.AtExtraction!.Fid, Kid = r.AtExtraction.Kid, L1 = r.AtExtraction.L1, Psnr = r.AtExtraction.Psnr, Ssim = r.AtExtraction.Ssim,
            AtExtraction = null, Matched = null,
        })).ToList();
        var sb = new StringBuilder();
        bool paired = results.Any(r => r.L1 != null);
        sb.AppendLine("| method | target | MACs (G) | MACs % | seeds | FID (ResNet-18) | KID (ResNet-18) |" + (paired ? " L1 | PSNR (dB) | SSIM |" : "") + " train (min) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|" + (paired ? "---:|---:|---:|" : "") + "---:|");
        string T(IEnumerable<double> values, string f)
        {
            var v = values.ToList();
            var t = Bootstrap.MeanT(v);
            return v.Count < 2 ? t.Value.ToString(f, c) : $"{t.Value.ToString(f, c)} ± {((t.High - t.Low) / 2).ToString(f, c)}";
        }
        foreach (var g in results.GroupBy(r => (r.Run.Method, r.Run.Ratio)).OrderBy(g => g.Key.Method == "full" ? 0 : 1).ThenByDescending(g => g.Key.Ratio).ThenBy(g => g.Key.Method))
        {
            var rows = g.ToList();
            string target = g.Key.Ratio is { } r ? r.ToString("P1", c) : "-";
            sb.Append($"| {g.Key.Method} | {target} | {(rows.Average(x => x.Macs) / 1e9).ToString("F3", c)} | {rows.Average(x => (double)x.Macs / x.FullMacs).ToString("P1", c)} | {rows.Count} | ");
            sb.Append($"{T(rows.Select(x => x.Fid.Value), "F1")} | {T(rows.Select(x => x.Kid.Value), "F3")} |");
            if (paired) sb.Append($" {T(rows.Select(x => x.L1?.Value ?? double.NaN), "F4")} | {T(rows.Select(x => x.Psnr?.Value ?? double.NaN), "F2")} | {T(rows.Select(x => x.Ssim?.Value ?? double.NaN), "F3")} |");
            sb.AppendLine($" {T(rows.Select(x => x.TrainSeconds / 60), "F1")} |");
        }
        sb.AppendLine();
        sb.AppendLine("Mean ± half-width of the 95% Student-t interval over seeds. Every run, with 95% bootstrap intervals over test images:");
        sb.AppendLine();
        sb.AppendLine("| run | MACs % | widths | FID (ResNet-18) | KID (ResNet-18) |" + (paired ? " L1 | PSNR | SSIM |" : "") + " test images |");
        sb.AppendLine("|---|---:|---|---:|---:|" + (paired ? "---:|---:|---:|" : "") + "---:|");
        foreach (var r in results)
        {
            sb.Append($"| {r.Run.Name} | {((double)r.Macs / r.FullMacs).ToString("P2", c)} | {string.Join(",", r.Widths)} | {r.Fid.Format("F1")} | {r.Kid.Format("F3")} |");
            if (paired) sb.Append($" {r.L1?.Format("F4")} | {r.Psnr?.Format("F2")} | {r.Ssim?.Format("F3")} |");
            sb.AppendLine($" {r.TestImages} |");
        }
        foreach (var r in results.Where(r => r.Matched != null)) sb.AppendLine().Append($"{r.Run.Name}: {r.Matched}");
        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>Through a temporary file and a rename, so a reader never sees half a file.</summary>
    static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
