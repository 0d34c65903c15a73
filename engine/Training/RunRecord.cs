using System.Text.Json;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// The run's record: one <see cref="HistoryEntry"/> per step and the steps and seconds per phase, written as
/// <c>history.json</c> (with every checkpoint and at the end) and read back on resume, and the final
/// <see cref="TrainReport"/> (<c>report.json</c>). Not thread-safe (the training thread owns it).
/// </summary>
internal sealed class RunRecord
{
    /// <summary>The file name of the per-step history in a run folder.</summary>
    public const string HistoryFile = "history.json";
    /// <summary>The file name of the report in a run folder.</summary>
    public const string ReportFile = "report.json";

    readonly List<HistoryEntry> _entries = new();
    readonly Dictionary<string, PhaseTime> _phases = new(StringComparer.Ordinal);

    /// <summary>Per-step records so far.</summary>
    public IReadOnlyList<HistoryEntry> Entries => _entries;

    /// <summary>A copy of the steps and seconds per phase.</summary>
    public Dictionary<string, PhaseTime> Phases => new(_phases);

    /// <summary>Records a finished step of <paramref name="seconds"/> wall time.</summary>
    public void Add(HistoryEntry entry, double seconds)
    {
        var t = _phases.GetValueOrDefault(entry.Phase, new PhaseTime(0, 0));
        _phases[entry.Phase] = new PhaseTime(t.Steps + 1, t.Seconds + seconds);
        _entries.Add(entry);
    }

    /// <summary>
    /// Continues the record of a run resumed at <paramref name="step"/>: the checkpoint's phase times, and the entries
    /// of <paramref name="directory"/>'s <c>history.json</c> up to that step (later ones were lost with the process
    /// and will be run again).
    /// </summary>
    public void Resume(string directory, long step, IReadOnlyDictionary<string, PhaseTime> phases)
    {
        foreach (var (k, t) in phases) _phases[k] = t;
        string history = Path.Combine(directory, HistoryFile);
        if (!File.Exists(history)) return;
        var entries = JsonSerializer.Deserialize<List<HistoryEntry>>(File.ReadAllText(history), CheckpointStore.Json) ?? [];
        _entries.AddRange(entries.Where(e => e.Step <= step));
    }

    /// <summary>
    /// The report of a finished <paramref name="mode"/> run whose generators (the first is the main one, A to B; a
    /// second is CycleGAN's B to A) were saved as <paramref name="files"/>, and as extracted (before fine-tuning) as
    /// <paramref name="extracted"/> (empty without a search).
    /// </summary>
    public TrainReport Compose(TrainOptions options, string mode, string arch, MacAccount macs, IReadOnlyList<GeneratorSlot> generators, IReadOnlyList<string> files, TestScores? test,
        IReadOnlyList<string> extracted)
    {
        var main = generators[0];
        var other = generators.Count > 1 ? generators[1] : null;
        return new TrainReport
        {
            Mode = mode,
            Arch = arch,
            Size = options.Size,
            Ngf = options.Ngf,
            MacImageSize = macs.ImageSize,
            FullMacs = macs.FullMacs,
            TargetMacs = main.Search is { } s ? (long)Math.Round(s.TargetRatio * macs.FullMacs) : null,
            CompactMacs = macs.Of(main.Model),
            FullParams = macs.FullParams,
            CompactParams = main.Model.ParameterCount,
            Widths = ModelFactory.Widths(main.Model),
            WidthLayout = string.Join(", ", Models.Families.GeneratorFamilies.Of(main.Model).WidthLayout(main.Model)),
            CompactMacsBtoA = other != null ? macs.Of(other.Model) : null,
            WidthsBtoA = other != null ? ModelFactory.Widths(other.Model) : null,
            TotalSteps = options.TotalSteps,
            Phases = Phases,
            CompactModel = files[0],
            CompactModelBtoA = files.Count > 1 ? files[1] : null,
            ExtractedModel = extracted.Count > 0 ? extracted[0] : null,
            ExtractedModelBtoA = extracted.Count > 1 ? extracted[1] : null,
            Test = test,
            SearchLog = options.NoPrune ? null : generators.ToDictionary(g => g.Name, g => g.Search!.History.ToArray()),
        };
    }

    /// <summary>Writes <c>history.json</c> into <paramref name="directory"/> (atomically).</summary>
    public void WriteHistory(string directory) => WriteJson(Path.Combine(directory, HistoryFile), _entries);

    /// <summary>Writes <paramref name="report"/> as <c>report.json</c> and the history into <paramref name="directory"/> (atomically).</summary>
    public void WriteReport(string directory, TrainReport report)
    {
        WriteJson(Path.Combine(directory, ReportFile), report);
        WriteHistory(directory);
    }

    static void WriteJson<T>(string path, T value) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, value, CheckpointStore.Json));
}
