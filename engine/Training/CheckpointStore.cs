using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
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

/// <summary>
/// The checkpoint files of a run folder: their names, the list oldest first, the atomic write with keep-last-N
/// retention, and the checked read (format, version, state metadata) that every resume goes through. What a checkpoint
/// holds is the trainer's business (<see cref="Trainer.SaveCheckpoint"/>); this type only stores and validates it.
/// Stateless: thread-safe.
/// </summary>
internal static class CheckpointStore
{
    /// <summary>The metadata <c>format</c> of a checkpoint.</summary>
    public const string Format = "coronetgan-checkpoint";
    const int Version = 1;
    const string Prefix = "checkpoint-";

    /// <summary>The JSON settings of the state metadata, <c>history.json</c> and <c>report.json</c>.</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = true,
    };

    /// <summary>The checkpoint file of step <paramref name="step"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, long step) =>
        Path.Combine(directory, $"{Prefix}{step.ToString("D8", CultureInfo.InvariantCulture)}.safetensors");

    /// <summary>The checkpoints of <paramref name="directory"/>, oldest first (by step).</summary>
    public static IReadOnlyList<string> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, Prefix + "*.safetensors")
            .Select(f => (File: f, Step: long.TryParse(Path.GetFileNameWithoutExtension(f).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s : -1))
            .Where(p => p.Step >= 0).OrderBy(p => p.Step).Select(p => p.File).ToList();
    }

    /// <summary>The newest checkpoint of <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder holds none.</exception>
    public static string Newest(string directory)
    {
        var all = List(directory);
        if (all.Count == 0) throw new FileNotFoundException($"{Path.GetFullPath(directory)}: no {Prefix}*.safetensors checkpoint to resume from.");
        return all[^1];
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="state"/>'s step into <paramref name="directory"/> atomically (then call
    /// <see cref="Prune"/>, so that a good checkpoint always remains).
    /// </summary>
    /// <returns>The path written.</returns>
    public static string Write(string directory, CheckpointState state, IReadOnlyList<KeyValuePair<string, SafeTensor>> tensors)
    {
        Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["version"] = Version.ToString(CultureInfo.InvariantCulture),
            ["mode"] = state.Mode,
            ["arch"] = state.Arch,
            ["phase"] = state.Phase,
            ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
            ["state"] = JsonSerializer.Serialize(state, Json),
        };
        string path = PathOf(directory, state.Step);
        SafeTensorsFile.Write(path, new SafeTensorsFile(tensors, metadata));
        return path;
    }

    /// <summary>Deletes the checkpoints older than <paramref name="newest"/> beyond the newest <paramref name="keep"/> in all.</summary>
    public static void Prune(string newest, int keep)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(newest))!;
        // Only checkpoints older than this one go: a higher-numbered one is not this run's to delete.
        var older = List(directory).Where(f => string.CompareOrdinal(Path.GetFileName(f), Path.GetFileName(newest)) < 0).ToList();
        foreach (var old in older.Take(Math.Max(0, older.Count - (keep - 1)))) File.Delete(old);
    }

    /// <summary>Reads a checkpoint to resume from: the file, its format and version, and its state.</summary>
    /// <exception cref="InvalidDataException">Truncated, not a checkpoint, of another version, or a corrupt state; the message names the file.</exception>
    public static (CheckpointState State, SafeTensorsFile File) Read(string path)
    {
        string hint = "Earlier checkpoints in the folder are kept; move this file away to resume from the previous one.";
        SafeTensorsFile file;
        try { file = SafeTensorsFile.Read(path); }
        catch (SafeTensorsFormatException e) { throw new InvalidDataException($"{path}: not a readable checkpoint ({e.Problem}). {hint}", e); }
        CheckFormat(file, path);
        if (!file.Metadata.TryGetValue("version", out var v) || v != Version.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: checkpoint version '{v ?? "absent"}' is not the {Version} this engine reads.");
        return (ParseState(file.Metadata.GetValueOrDefault("state"), path), file);
    }

    /// <summary>The options saved in a checkpoint, with the output folder set to the checkpoint's folder.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable checkpoint; the message names it.</exception>
    public static TrainOptions ReadOptions(string path)
    {
        SafeTensorsFile file;
        try { file = SafeTensorsFile.Read(path); }
        catch (SafeTensorsFormatException e) { throw new InvalidDataException($"{path}: not a readable checkpoint ({e.Problem}).", e); }
        CheckFormat(file, path);
        return ParseState(file.Metadata.GetValueOrDefault("state"), path).Options with { OutputDirectory = Path.GetDirectoryName(path)! };
    }

    static void CheckFormat(SafeTensorsFile file, string path)
    {
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path}: not a CoroNetGAN checkpoint (metadata format '{format ?? "absent"}', expected '{Format}').");
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
}
