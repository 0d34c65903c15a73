using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Training;

/// <summary>A generator's entry in a checkpoint's metadata.</summary>
internal sealed record GeneratorState(string Name, string Arch, bool Hyper, int[] Widths);

/// <summary>
/// The non-tensor part of a checkpoint (metadata key <c>state</c>): enough, with the tensors, to continue a run
/// bit for bit. The data position is the step: batches are a pure function of it.
/// </summary>
internal sealed record CheckpointState(TrainOptions Options, string Mode, string Arch, string Phase, long Step, long SamplesSeen,
    GeneratorState[] Generators, Dictionary<string, SearchSnapshot> Searches, Dictionary<string, long> DropoutCalls,
    int AdamStepsG, int AdamStepsD, Dictionary<string, long> PoolDraws, Dictionary<string, int> PoolCounts, Dictionary<string, PhaseTime> Phases);

public abstract partial class Trainer
{
    /// <summary>The metadata <c>format</c> of a checkpoint.</summary>
    public const string CheckpointFormat = "coronetgan-checkpoint";
    const int CheckpointVersion = 1;
    const string CheckpointPrefix = "checkpoint-";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = true,
    };

    /// <summary>The checkpoint file of step <paramref name="step"/> in <paramref name="directory"/>.</summary>
    public static string CheckpointPath(string directory, long step) =>
        Path.Combine(directory, $"{CheckpointPrefix}{step.ToString("D8", CultureInfo.InvariantCulture)}.safetensors");

    /// <summary>The checkpoints of <paramref name="directory"/>, oldest first (by step).</summary>
    public static IReadOnlyList<string> Checkpoints(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, CheckpointPrefix + "*.safetensors")
            .Select(f => (File: f, Step: long.TryParse(Path.GetFileNameWithoutExtension(f).AsSpan(CheckpointPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s : -1))
            .Where(p => p.Step >= 0).OrderBy(p => p.Step).Select(p => p.File).ToList();
    }

    /// <summary>
    /// Writes a checkpoint of the current state (every model's weights and buffers, both optimizers' moments and step
    /// counts, the image pools, dropout positions, the search state and the options) to
    /// <c>checkpoint-STEP.safetensors</c>, atomically; only then deletes checkpoints beyond
    /// <see cref="TrainOptions.KeepCheckpoints"/>, so a good one always remains. Also rewrites <c>history.json</c>.
    /// Returns the path.
    /// </summary>
    public string SaveCheckpoint()
    {
        Directory.CreateDirectory(Options.OutputDirectory);
        var tensors = new List<KeyValuePair<string, SafeTensor>>();
        var dropout = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, model) in AllModels())
        {
            tensors.AddRange(StateDict.Export(model).Select(p => new KeyValuePair<string, SafeTensor>($"{name}.{p.Key}", p.Value)));
            foreach (var (at, m) in model.NamedModules())
                if (m is Dropout d) dropout[$"{name}.{at}"] = d.Calls;
        }
        foreach (var (opt, tag) in new[] { (OptimizerG, "G"), (OptimizerD, "D") })
            foreach (var (name, m, v) in opt.NamedState())
            {
                tensors.Add(new($"optimizer.{tag}.{name}.exp_avg", SafeTensor.FromFloats(m.ToArray(), m.Shape)));
                tensors.Add(new($"optimizer.{tag}.{name}.exp_avg_sq", SafeTensor.FromFloats(v.ToArray(), v.Shape)));
            }
        foreach (var (name, pool) in Pools)
            for (int i = 0; i < pool.Images.Count; i++)
                tensors.Add(new($"pool.{name}.{i}", SafeTensor.FromFloats(pool.Images[i], 3, Options.Size, Options.Size)));

        var state = new CheckpointState(Options, ModeName, ArchName, Phase, Step, Step * Options.BatchSize * Options.Ranks,
            Generators.Select(g => new GeneratorState(g.Name, g.Model.GetType().Name, Phase == SearchPhase, ModelFactory.Widths(g.Model))).ToArray(),
            Generators.Where(g => g.Search != null).ToDictionary(g => g.Name, g => g.Search!.Snapshot()),
            dropout, OptimizerG.StepCount, OptimizerD.StepCount,
            Pools.ToDictionary(p => p.Key, p => p.Value.Draws), Pools.ToDictionary(p => p.Key, p => p.Value.Images.Count),
            new Dictionary<string, PhaseTime>(_phases));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = CheckpointFormat,
            ["version"] = CheckpointVersion.ToString(CultureInfo.InvariantCulture),
            ["mode"] = ModeName,
            ["arch"] = ArchName,
            ["phase"] = Phase,
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["state"] = JsonSerializer.Serialize(state, Json),
        };
        string path = CheckpointPath(Options.OutputDirectory, Step);
        SafeTensorsFile.Write(path, new SafeTensorsFile(tensors, metadata));
        WriteJson(Path.Combine(Options.OutputDirectory, "history.json"), _history);
        // Only checkpoints older than this one go: a higher-numbered one is not this run's to delete.
        var older = Checkpoints(Options.OutputDirectory).Where(f => string.CompareOrdinal(Path.GetFileName(f), Path.GetFileName(path)) < 0).ToList();
        foreach (var old in older.Take(Math.Max(0, older.Count - (Options.KeepCheckpoints - 1)))) File.Delete(old);
        Log?.Invoke($"checkpoint at step {Step}: {path}");
        return path;
    }

    /// <summary>
    /// Continues the run whose newest checkpoint is in <paramref name="outputDirectory"/>: the returned trainer's
    /// <see cref="Run"/> produces the same weights an uninterrupted run would have. The options come from the
    /// checkpoint; when <paramref name="expected"/> is given, options that cannot change mid-run must match and the
    /// others (total steps, intervals) are applied (see <see cref="ResumeCheck"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder holds no checkpoint.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is truncated, not a checkpoint, or of another run; the message names the file. No file is deleted.</exception>
    public static Trainer Resume(string outputDirectory, IImageDataset train, IImageDataset? test = null, Device? device = null, TrainOptions? expected = null)
    {
        var all = Checkpoints(outputDirectory);
        if (all.Count == 0) throw new FileNotFoundException($"{Path.GetFullPath(outputDirectory)}: no {CheckpointPrefix}*.safetensors checkpoint to resume from.");
        return ResumeFrom(all[^1], train, test, device, expected);
    }

    /// <summary>Continues a run from the checkpoint file <paramref name="checkpoint"/> (see <see cref="Resume"/>).</summary>
    /// <exception cref="InvalidDataException">The checkpoint is truncated, not a checkpoint, or of another run; the message names the file.</exception>
    public static Trainer ResumeFrom(string checkpoint, IImageDataset train, IImageDataset? test = null, Device? device = null, TrainOptions? expected = null)
    {
        string path = Path.GetFullPath(checkpoint);
        string hint = "Earlier checkpoints in the folder are kept; move this file away to resume from the previous one.";
        SafeTensorsFile file;
        try { file = SafeTensorsFile.Read(path); }
        catch (SafeTensorsFormatException e) { throw new InvalidDataException($"{path}: not a readable checkpoint ({e.Problem}). {hint}", e); }
        if (!file.Metadata.TryGetValue("format", out var format) || format != CheckpointFormat)
            throw new InvalidDataException($"{path}: not a CoroNetGAN checkpoint (metadata format '{format ?? "absent"}', expected '{CheckpointFormat}').");
        if (!file.Metadata.TryGetValue("version", out var v) || v != CheckpointVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: checkpoint version '{v ?? "absent"}' is not the {CheckpointVersion} this engine reads.");
        var state = ParseState(file.Metadata.GetValueOrDefault("state"), path);
        var o = state.Options with { OutputDirectory = Path.GetDirectoryName(path)! };
        if (expected != null) o = ResumeCheck.Reconcile(o, expected with { OutputDirectory = o.OutputDirectory }, path, state.Step).Options;
        // The checkpoint holds every weight, so the init files (which may be gone by now) are not read again.
        var trainer = Create(o with { InitGenerators = null, InitDiscriminators = null }, train, test, device);
        try { trainer.LoadState(state, file, path); }
        catch (Exception e) when (e is StateDictMismatchException or InvalidDataException or ArgumentException or KeyNotFoundException)
        {
            trainer.Dispose();
            throw new InvalidDataException($"{path}: the checkpoint does not fit the {state.Mode} {state.Arch} run its metadata describes: {e.Message}", e);
        }
        return trainer;
    }

    /// <summary>The options of the run a checkpoint belongs to (to open its data before resuming).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable checkpoint; the message names it.</exception>
    public static TrainOptions ReadOptions(string checkpoint)
    {
        string path = Path.GetFullPath(checkpoint);
        SafeTensorsFile file;
        try { file = SafeTensorsFile.Read(path); }
        catch (SafeTensorsFormatException e) { throw new InvalidDataException($"{path}: not a readable checkpoint ({e.Problem}).", e); }
        if (!file.Metadata.TryGetValue("format", out var format) || format != CheckpointFormat)
            throw new InvalidDataException($"{path}: not a CoroNetGAN checkpoint (metadata format '{format ?? "absent"}', expected '{CheckpointFormat}').");
        return ParseState(file.Metadata.GetValueOrDefault("state"), path).Options with { OutputDirectory = Path.GetDirectoryName(path)! };
    }

    /// <summary>
    /// The checkpoint's <c>state</c> metadata, every member present and the options valid: a hand-edited or corrupt
    /// state is an <see cref="InvalidDataException"/> naming the file, never a null dereference later on.
    /// </summary>
    internal static CheckpointState ParseState(string? json, string path)
    {
        CheckpointState? state;
        try { state = JsonSerializer.Deserialize<CheckpointState>(json ?? "null", Json); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: the checkpoint's state metadata is unreadable: {e.Message}", e);
        }
        if (state == null) throw Corrupt("state");
        // JSON null passes the deserializer for non-nullable members; each is checked here, once.
        if (state.Options == null) throw Corrupt("options");
        if (state.Mode == null || state.Arch == null || state.Phase == null) throw Corrupt("mode, arch or phase");
        if (state.Generators == null || state.Generators.Any(g => g?.Name == null || g.Widths == null)) throw Corrupt("generators");
        if (state.Searches == null || state.Searches.Values.Any(v => v == null)) throw Corrupt("searches");
        if (state.DropoutCalls == null || state.PoolDraws == null || state.PoolCounts == null || state.Phases == null) throw Corrupt("dropout, pool or phase records");
        if (state.Step < 0 || state.Step > state.Options.TotalSteps || state.PoolCounts.Values.Any(c => c < 0 || c > 10_000))
            throw new InvalidDataException($"{path}: the checkpoint's state metadata is inconsistent (step {state.Step} of {state.Options.TotalSteps}); the file is corrupt or was edited.");
        try { state.Options.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: the checkpoint's options are invalid: {e.Message}", e); }
        return state;

        InvalidDataException Corrupt(string what) => new($"{path}: the checkpoint's state metadata has no valid {what}; the file is corrupt or was edited.");
    }

    void LoadState(CheckpointState state, SafeTensorsFile file, string path)
    {
        if (state.Generators.Length != Generators.Count) throw new InvalidDataException($"it holds {state.Generators.Length} generators, the mode has {Generators.Count}.");
        Phase = state.Phase;
        if (Phase != SearchPhase && !Options.NoPrune)
        {
            // The search had ended: the generators are compact plain ones of the saved widths.
            for (int i = 0; i < Generators.Count; i++)
            {
                Generators[i].Model.Dispose();
                Generators[i].Model = ModelFactory.Generator(Options, Device, 0, hyper: false, widths: state.Generators[i].Widths);
            }
            OptimizerG.Dispose();
            _gParams.Dispose();
            BuildOptimizerG();
        }
        foreach (var (name, model) in AllModels())
        {
            string prefix = name + ".";
            var own = file.Tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
            StateDict.Load(model, own, path);
            foreach (var (p, m) in model.NamedModules())
                if (m is Dropout d) d.Calls = state.DropoutCalls.GetValueOrDefault($"{name}.{p}");
        }
        foreach (var (opt, tag, steps) in new[] { (OptimizerG, "G", state.AdamStepsG), (OptimizerD, "D", state.AdamStepsD) })
        {
            string prefix = $"optimizer.{tag}.", avg = ".exp_avg", sq = ".exp_avg_sq";
            var moments = file.Tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.EndsWith(avg, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[prefix.Length..^avg.Length], p => (p.Value.ToFloats(), file[p.Key[..^avg.Length] + sq].ToFloats()), StringComparer.Ordinal);
            opt.Restore(steps, moments);
        }
        foreach (var (name, pool) in Pools)
        {
            int count = state.PoolCounts.GetValueOrDefault(name);
            pool.Restore(Enumerable.Range(0, count).Select(i => file[$"pool.{name}.{i}"].ToFloats()), state.PoolDraws.GetValueOrDefault(name));
        }
        foreach (var g in Generators)
            if (g.Search != null && state.Searches.TryGetValue(g.Name, out var snap)) g.Search.Restore(snap);
        Step = state.Step;
        foreach (var (k, t) in state.Phases) _phases[k] = t;
        string history = Path.Combine(Options.OutputDirectory, "history.json");
        if (File.Exists(history))
        {
            // Steps after the checkpoint were lost with the process; they will be run again.
            var entries = JsonSerializer.Deserialize<List<HistoryEntry>>(File.ReadAllText(history), Json) ?? [];
            _history.AddRange(entries.Where(e => e.Step <= Step));
        }
    }

    IEnumerable<(string Name, Module Model)> AllModels() => Generators.Select(g => (g.Name, g.Model)).Concat(Discriminators);

    string ModeName => Name(Options.Mode);
    string ArchName => Name(Options.EffectiveNetG);
    static string Name<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();

    static void WriteJson<T>(string path, T value) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, value, Json));
}
