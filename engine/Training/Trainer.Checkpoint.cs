using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Training;

public abstract partial class Trainer
{
    /// <summary>The metadata <c>format</c> of a checkpoint.</summary>
    public const string CheckpointFormat = CheckpointStore.Format;

    /// <summary>The checkpoint file of step <paramref name="step"/> in <paramref name="directory"/>.</summary>
    public static string CheckpointPath(string directory, long step) => CheckpointStore.PathOf(directory, step);

    /// <summary>The checkpoints of <paramref name="directory"/>, oldest first (by step).</summary>
    public static IReadOnlyList<string> Checkpoints(string directory) => CheckpointStore.List(directory);

    /// <summary>
    /// Writes a checkpoint of the current state (every model's weights and buffers, both optimizers' moments and step
    /// counts, the image pools, dropout positions, the search state and the options) to
    /// <c>checkpoint-STEP.safetensors</c>, atomically; only then deletes checkpoints beyond
    /// <see cref="TrainOptions.KeepCheckpoints"/>, so a good one always remains. Also rewrites <c>history.json</c>.
    /// Returns the path.
    /// </summary>
    public string SaveCheckpoint()
    {
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
                tensors.Add(new($"pool.{name}.{i}", SafeTensor.FromFloats(pool.Images[i], ImageIO.Channels, Options.Size, Options.Size)));

        var state = new CheckpointState(Options, ModeName, ArchName, Phase, Step, Step * Options.BatchSize * Options.Ranks,
            Generators.Select(g => new GeneratorState(g.Name, g.Model.GetType().Name, g.Model is IPrunableGenerator { Hyper: not null }, ModelFactory.Widths(g.Model))).ToArray(),
            Generators.Where(g => g.Search != null).ToDictionary(g => g.Name, g => g.Search!.Snapshot()),
            dropout, OptimizerG.StepCount, OptimizerD.StepCount,
            Pools.ToDictionary(p => p.Key, p => p.Value.Draws), Pools.ToDictionary(p => p.Key, p => p.Value.Images.Count),
            _record.Phases);
        string path = CheckpointStore.Write(Options.OutputDirectory, state, tensors);
        _record.WriteHistory(Options.OutputDirectory);
        CheckpointStore.Prune(path, Options.KeepCheckpoints);
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
    public static Trainer Resume(string outputDirectory, IImageDataset train, IImageDataset? test = null, Device? device = null, TrainOptions? expected = null) =>
        ResumeFrom(CheckpointStore.Newest(outputDirectory), train, test, device, expected);

    /// <summary>Continues a run from the checkpoint file <paramref name="checkpoint"/> (see <see cref="Resume"/>).</summary>
    /// <exception cref="InvalidDataException">The checkpoint is truncated, not a checkpoint, or of another run; the message names the file.</exception>
    public static Trainer ResumeFrom(string checkpoint, IImageDataset train, IImageDataset? test = null, Device? device = null, TrainOptions? expected = null)
    {
        string path = Path.GetFullPath(checkpoint);
        var (state, file) = CheckpointStore.Read(path);
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
    public static TrainOptions ReadOptions(string checkpoint) => CheckpointStore.ReadOptions(Path.GetFullPath(checkpoint));

    void LoadState(CheckpointState state, SafeTensorsFile file, string path)
    {
        if (state.Generators.Length != Generators.Count) throw new InvalidDataException($"it holds {state.Generators.Length} generators, the mode has {Generators.Count}.");
        Phase = state.Phase;
        if (Phase != SearchPhase && !Options.NoPrune)
        {
            // The extraction came after the search's last step; the restarted fine-tune schedule counts from there.
            _finetuneStart = state.Phases.TryGetValue(SearchPhase, out var searched) ? searched.Steps : 0;
            // The search had ended: the generators are compact ones of the saved widths (hyper ones with FinetuneStart.Hyper).
            for (int i = 0; i < Generators.Count; i++)
            {
                Generators[i].Model.Dispose();
                Generators[i].Model = ModelFactory.Generator(Options, Device, 0, hyper: Options.EffectivePrune.FinetuneFrom == FinetuneStart.Hyper, widths: state.Generators[i].Widths);
            }
            OptimizerG.Dispose();
            _gParams.Dispose();
            BuildOptimizerG();
            // The teachers (full width, frozen) take their weights from the checkpoint below.
            if (Distils)
                foreach (var g in Generators) g.Teacher = Frozen(ModelFactory.Generator(Options, Device, 0, hyper: false, widths: null));
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
        _record.Resume(Options.OutputDirectory, Step, state.Phases);
    }

    /// <summary>Every model a checkpoint holds, under its tensors' prefix: the generators, the discriminators, and the fine-tune's teachers.</summary>
    IEnumerable<(string Name, Module Model)> AllModels() => Generators.Select(g => (g.Name, g.Model)).Concat(Discriminators)
        .Concat(Generators.Where(g => g.Teacher != null).Select(g => ("teacher_" + g.Name, g.Teacher!)));

    string ModeName => Name(Options.Mode);
    string ArchName => Name(Options.EffectiveNetG);
    static string Name<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}
