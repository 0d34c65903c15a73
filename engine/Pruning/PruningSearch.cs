using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN.Engine.Pruning;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>Where a search stands after a check.</summary>
public enum SearchState
{
    /// <summary>Still above the target.</summary>
    Searching,
    /// <summary>The stop rule fired: the MACs are at most the target (and within the tolerance below it).</summary>
    Reached,
    /// <summary>The step budget ran out and the smallest latent entries were pruned to meet the target.</summary>
    Forced,
}

/// <summary>
/// The controller of CoroNetGAN's search (DHP's stop rule, METHOD.md 2.3-2.5): after every optimizer step it
/// soft-thresholds the prunable latents by lambda x learning rate; every <see cref="SearchSettings.CheckEvery"/> steps
/// it turns the masks into widths and the widths into MACs, and ends the search once the MACs are at most the target.
/// The result lands in [(1 - <see cref="SearchSettings.StopTolerance"/>) x target, target]: a step that prunes past the
/// window re-admits the pruned channels nearest the threshold. With a step budget it adapts lambda to arrive in time,
/// logging each change, and meets the target by force (the same window) if the budget runs out.
/// </summary>
/// <remarks>Not thread-safe; call it from the training loop.</remarks>
public sealed class PruningSearch
{
    readonly IPrunableGenerator _generator;
    readonly HyperNetwork _hyper;
    readonly Module _model;
    int _nextCheck;
    int _lastRegularStep;
    double _lastRegularRatio = 1.0;
    double _rate = -1;
    bool _near;
    bool _held;
    bool[][]? _stopMasks;
    bool[][]? _masks;
    double _lastRatio = 1.0;

    /// <summary>Starts a search on a generator built with a hypernetwork; validates the settings.</summary>
    public PruningSearch(Module generator, SearchSettings settings)
    {
        if (generator is not IPrunableGenerator { Hyper: { } hyper } g)
            throw new ArgumentException("The search needs a generator built with a hypernetwork (HyperOptions).");
        _generator = g;
        _hyper = hyper;
        _model = generator;
        Settings = settings;
        if (!(settings.Lambda >= 0 && settings.Lambda <= SearchSettings.MaxLambda))
            throw new ArgumentException($"the search's lambda (TrainOptions.Prune.Lambda) must be in [0, {SearchSettings.MaxLambda}], got {settings.Lambda}; " +
                "the search adapts it from there, and a huge start prunes every layer to its minimum at the first step.");
        if (settings.MinChannels < 1) throw new ArgumentException($"the minimum channel count must be at least 1, got {settings.MinChannels}.");
        if (!(settings.StopTolerance >= 0 && settings.StopTolerance < 1)) throw new ArgumentException($"the stop tolerance must be in [0, 1), got {settings.StopTolerance}.");
        if (settings.CheckEvery < 1) throw new ArgumentException($"the check interval must be at least 1 step, got {settings.CheckEvery}.");
        if (settings.StepBudget is < 1) throw new ArgumentException($"the step budget must be at least 1, got {settings.StepBudget}.");
        if (settings.EndFloor is { } endFloor && !(endFloor >= 0 && endFloor <= 1))
            throw new ArgumentException($"the end layers' floor (TrainOptions.Prune.EndFloor) is a fraction of their channels in [0, 1], got {endFloor}.");
        if (!(settings.LayerFloor >= 0 && settings.LayerFloor <= 1))
            throw new ArgumentException($"the layers' floor (TrainOptions.Prune.LayerFloor) is a fraction of their channels in [0, 1], got {settings.LayerFloor}.");
        if (!Enum.IsDefined(settings.Pressure)) throw new ArgumentException($"unknown pressure (TrainOptions.Prune.Pressure) {settings.Pressure}.");
        if (settings.RunToBudget && settings.StepBudget == null)
            throw new ArgumentException("a search that runs to its budget (TrainOptions.Prune.SearchUntil) needs a step budget.");

        var full = hyper.Prunable.Select(l => l.Channels).ToArray();
        FullMacs = HyperNetwork.Macs(g, full, settings.ImageSize);
        if (settings.TargetRatio.HasValue == settings.TargetGMacs.HasValue)
            throw new ArgumentException("Give exactly one target: a ratio (TrainOptions.Prune.TargetRatio) or GMACs (TrainOptions.Prune.TargetGMacs).");
        if (settings.TargetRatio is { } ratio)
        {
            if (!(ratio > 0 && ratio <= 1)) throw new ArgumentException($"the target ratio must be in (0, 1], got {ratio}.");
            TargetRatio = ratio;
        }
        else
        {
            double gmacs = settings.TargetGMacs!.Value;
            if (!(gmacs > 0)) throw new ArgumentException($"the target must be a positive number of GMACs, got {gmacs}.");
            TargetRatio = gmacs * 1e9 / FullMacs;
            if (TargetRatio > 1)
                throw new ArgumentException($"the target {gmacs} GMACs exceeds the full generator's {FullMacs / 1e9:F3} GMACs at {settings.ImageSize}x{settings.ImageSize}.");
        }
        // The floor that falls with the target needs the target as a ratio, which a target in GMACs gives only here.
        EndFloor = settings.EndFloor ?? SearchSettings.EndFloorFor(TargetRatio);
        Floors = full.Select((c, l) => Math.Min(c, Math.Max(settings.MinChannels,
            Share(l == 0 || l == full.Length - 1 ? Math.Max(EndFloor, settings.LayerFloor) : settings.LayerFloor, c)))).ToArray();
        // Recorded where the run's report keeps the search's log, since no option states it.
        if (settings.EndFloor == null)
            History.Add($"end layers' floor {EndFloor:P0} for a target of {TargetRatio:P2} (left to the target): {Floors[0]} and {Floors[^1]} channels at least");
        Pressures = settings.Pressure == PrunePressure.Macs ? MacPressures(g, full, FullMacs, settings.ImageSize) : full.Select(_ => 1f).ToArray();
        MinimumMacs = HyperNetwork.Macs(g, Floors.ToArray(), settings.ImageSize);
        double minRatio = (double)MinimumMacs / FullMacs;
        if (TargetRatio < minRatio)
            throw new ArgumentException($"the target ({TargetRatio:P2} of {FullMacs / 1e9:F3} GMACs) is below what the minimum channel count allows: " +
                $"with {settings.MinChannels} channels per prunable layer{(settings.LayerFloor > 0 ? $", every layer's floor of {settings.LayerFloor:P0}" : "")}{(EndFloor > 0 ? $" and the end layers' floor of {EndFloor:P0}{(settings.EndFloor == null ? " (the one for this target)" : "")}" : "")} the smallest generator has {MinimumMacs / 1e9:F4} GMACs ({minRatio:P2}). " +
                "Raise the target (TrainOptions.Prune.TargetRatio or TrainOptions.Prune.TargetGMacs)" +
                (settings.LayerFloor > 0 || EndFloor > 0 ? " or lower the floors (TrainOptions.Prune.LayerFloor, TrainOptions.Prune.EndFloor)" : "") +
                "; from code, TrainOptions.Prune.MinChannels can also be lowered.");
        Lambda = settings.Lambda;
        _nextCheck = settings.CheckEvery;
    }

    /// <summary>Channels a floor of <paramref name="fraction"/> keeps of <paramref name="channels"/> (rounded up; the small
    /// allowance keeps 0.75 x 16 at 12 despite the double's rounding).</summary>
    static int Share(double fraction, int channels) => (int)Math.Ceiling(fraction * channels - 1e-9);

    /// <summary>The settings.</summary>
    public SearchSettings Settings { get; }
    /// <summary>The end layers' floor in force: the settings' own, or the one <see cref="SearchSettings.EndFloorFor"/> gives
    /// for the target where they leave it to the target.</summary>
    public double EndFloor { get; }
    /// <summary>MACs of the full generator (torchprofile convention, at the settings' image size).</summary>
    public long FullMacs { get; }
    /// <summary>MACs when every prunable layer keeps only the minimum channel count (the end layers their floor).</summary>
    public long MinimumMacs { get; }
    /// <summary>Channels each prunable layer keeps at least: the minimum count, the end layers' floor for the first and last.</summary>
    public IReadOnlyList<int> Floors { get; }
    /// <summary>Each prunable layer's factor on the proximal step's shrink: 1 everywhere for uniform pressure; for MAC pressure
    /// the MACs one channel of the layer costs at the full widths over the mean of that cost over all prunable channels.</summary>
    public IReadOnlyList<float> Pressures { get; }
    /// <summary>Target MACs / full MACs.</summary>
    public double TargetRatio { get; }
    /// <summary>The regularisation factor in force (adapted when a step budget is set).</summary>
    public float Lambda { get; private set; }
    /// <summary>Optimizer steps seen.</summary>
    public int Step { get; private set; }
    /// <summary>The state after the last check.</summary>
    public SearchState State { get; private set; }
    /// <summary>MACs / full MACs at the last check.</summary>
    public double CurrentRatio => _lastRatio;
    /// <summary>The widths at the last check.</summary>
    public int[] CurrentWidths { get; private set; } = [];
    /// <summary>Whether a search that runs to its budget has met the target and holds its masks (no proximal step) until then.</summary>
    public bool Holding => _held;
    /// <summary>Log lines (check results, lambda changes); also raised through <see cref="Log"/>.</summary>
    public List<string> History { get; } = new();
    /// <summary>Receives each log line.</summary>
    public event Action<string>? Log;

    /// <summary>
    /// Call after each optimizer step with the learning rate that step used: applies the proximal step to every
    /// prunable latent, then checks the MACs when due. Returns the state; stop searching when it is not Searching.
    /// </summary>
    public SearchState AfterStep(float learningRate)
    {
        if (State != SearchState.Searching)
        {
            // Stopped, but the generator still trains while another search runs (CycleGAN's G_A and G_B stop at
            // different steps): the channels cut at the stop stay cut, or they grow back above the threshold and the
            // extraction misses the target.
            HoldStopMasks();
            return State;
        }
        Step++;
        float thr = Lambda * learningRate;
        if (!_held)
            for (int l = 0; l < _hyper.Prunable.Count; l++)
                Ops.ProximalStep(_hyper.Prunable[l].Value, thr * Pressures[l], Settings.PruneThreshold, Settings.MinChannels, exempt: Floors[l]);
        if (Step >= _nextCheck || Settings.StepBudget is { } b && Step >= b) Check();
        if (State != SearchState.Searching)
        {
            _stopMasks = MasksOf(_hyper.ReadPrunable());
            ApplyMasks(_stopMasks);
        }
        return State;
    }

    /// <summary>Counts the MACs of the current masks and applies the stop rule (also called by <see cref="AfterStep"/>).</summary>
    public SearchState Check()
    {
        var values = _hyper.ReadPrunable();
        double ratio = MeasureRatio(values);
        bool beforeBudget = Settings.RunToBudget && Step < Settings.StepBudget!.Value;
        // Masking follows every check while the search runs; the stop's masks are applied where they are taken.
        if (ratio > TargetRatio || beforeBudget) ApplyMasks(MasksOf(values));
        string status = $"step {Step}: MACs {ratio:P2} of full (target {TargetRatio:P2}), widths [{string.Join(",", CurrentWidths)}]";
        if (ratio <= TargetRatio && beforeBudget)
        {
            // Held: no more pruning; the next check is the one at the budget, where the stop rule applies as usual.
            if (!_held) Emit(status + $" -> target met; the masks hold and the hypernetwork trains on to the budget (step {Settings.StepBudget})");
            _held = true;
            _nextCheck = Settings.StepBudget!.Value;
            return State;
        }
        if (ratio <= TargetRatio)
        {
            State = SearchState.Reached;
            Emit(status + $" -> target reached; search ends");
            Readmit();
            return State;
        }
        if (Settings.StepBudget is { } budget && Step >= budget)
        {
            Emit(status + " -> step budget spent");
            Force();
            return State;
        }
        // Progress is measured, and lambda adapted, only over whole check intervals: single-step differences near
        // the end are mostly zero and would whipsaw the controller.
        if (Step - _lastRegularStep >= Settings.CheckEvery)
        {
            double drop = Math.Max(0, _lastRegularRatio - ratio) / (Step - _lastRegularStep);
            _rate = _rate < 0 ? drop : 0.5 * _rate + 0.5 * drop;
            _lastRegularStep = Step;
            _lastRegularRatio = ratio;
            if (Settings.StepBudget is { } b) Adapt(ratio, b, _rate, status);
            else Emit(status);
            // Once the remaining gap is within two intervals' worth of progress, check every step so the stop rule
            // fires before the masks overshoot the target.
            double gap = ratio - TargetRatio;
            if (!_near && _rate > 0 && gap <= 2 * _rate * Settings.CheckEvery)
            {
                _near = true;
                Emit($"step {Step}: close to the target; checking MACs every step");
            }
        }
        _nextCheck = Step + (_near ? 1 : Math.Max(1, Settings.CheckEvery - (Step - _lastRegularStep)));
        return State;
    }

    void Adapt(double ratio, int budget, double dropPerStep, string status)
    {
        double needed = (ratio - TargetRatio) / Math.Max(1, budget - Step);
        float before = Lambda;
        // Shrinking entries only cross the threshold after a delay, so pressure rises geometrically while nothing
        // moves and eases off when progress is far ahead of schedule.
        if (dropPerStep < 0.8 * needed) Lambda = (float)Math.Min(Lambda * Math.Clamp(dropPerStep > 0 ? needed / dropPerStep : 2.0, 1.25, 2.0), 1e6);
        else if (dropPerStep > 3 * needed) Lambda *= 0.7f;
        if (Lambda == 0f && needed > 0) Lambda = 0.1f;
        Emit(Lambda != before
            ? status + $"; lambda {before:G3} -> {Lambda:G3} to reach the target by step {budget}"
            : status + $"; on course for step {budget} (lambda {Lambda:G3})");
    }

    /// <summary>Zeroes the smallest surviving latent entries, a few at a time far from the target and one at a time
    /// near it, until the MACs are at most the target; then re-admits channels if that went below the window.</summary>
    void Force()
    {
        // The decisions work on host copies read once; the changed latents are written back at the end.
        var values = _hyper.ReadPrunable();
        var changed = new bool[values.Length];
        int removed = 0;
        while (true)
        {
            double ratio = MeasureRatio(values);
            if (ratio <= TargetRatio) break;
            // Candidates: kept entries of layers above their minimum, smallest magnitude first.
            var candidates = new List<(float Mag, int Layer, int Index)>();
            for (int l = 0; l < values.Length; l++)
            {
                var v = values[l];
                var keep = _hyper.Prunable[l].Mask(v, Settings.PruneThreshold, Settings.MinChannels);
                int kept = keep.Count(k => k);
                if (kept <= Floors[l]) continue;
                var order = Enumerable.Range(0, v.Length).Where(i => keep[i]).OrderBy(i => MathF.Abs(v[i])).Take(kept - Floors[l]);
                // Under MAC pressure an entry's size is weighed against its layer's pressure, as the proximal step does.
                float p = Pressures[l];
                candidates.AddRange(order.Select(i => (MathF.Abs(v[i]) / p, l, i)));
            }
            if (candidates.Count == 0) break;
            int take = ratio > 1.1 * TargetRatio ? Math.Max(1, candidates.Count / 50) : 1;
            foreach (var c in candidates.OrderBy(c => c.Mag).Take(take))
            {
                values[c.Layer][c.Index] = 0f;
                changed[c.Layer] = true;
                removed++;
            }
        }
        WriteBack(values, changed);
        State = SearchState.Forced;
        Emit($"step {Step}: pruned the {removed} smallest latent entries to meet the target: MACs {_lastRatio:P2} of full, widths [{string.Join(",", CurrentWidths)}]");
        Readmit();
    }

    /// <summary>
    /// When the last cut went below (1 - tolerance) x target, puts back pruned channels, those whose latent entries are
    /// nearest the threshold first, while the MACs stay at most the target. A re-admitted entry is set to the threshold
    /// (keeping its sign), the smallest value the mask keeps; the search has ended, so no proximal step shrinks it again.
    /// </summary>
    void Readmit()
    {
        double floor = (1 - Settings.StopTolerance) * TargetRatio;
        if (_lastRatio >= floor) return;
        var values = _hyper.ReadPrunable();
        var changed = new bool[values.Length];
        // Largest magnitude first; among equal ones (entries shrunk to exactly 0) round-robin over the layers, so no
        // single layer takes back all the MACs.
        var pruned = new List<(float Mag, int Rank, int Layer, int Index)>();
        for (int l = 0; l < values.Length; l++)
        {
            var v = values[l];
            var keep = _hyper.Prunable[l].Mask(v, Settings.PruneThreshold, Settings.MinChannels);
            int layer = l;
            pruned.AddRange(Enumerable.Range(0, v.Length).Where(i => !keep[i]).OrderByDescending(i => MathF.Abs(v[i]))
                .Select((i, rank) => (MathF.Abs(v[i]), rank, layer, i)));
        }
        int added = 0;
        double before = _lastRatio;
        foreach (var (_, _, l, i) in pruned.OrderByDescending(c => c.Mag).ThenBy(c => c.Rank))
        {
            var v = values[l];
            float old = v[i];
            v[i] = old < 0 ? -Settings.PruneThreshold : Settings.PruneThreshold;
            // A candidate's widths differ from the current ones by one channel; once one channel of a layer is too
            // much, every other candidate of that layer has the same widths and its MACs come from the cache.
            if (MeasureRatio(values) > TargetRatio)
            {
                v[i] = old;
                continue;
            }
            changed[l] = true;
            added++;
            if (_lastRatio >= floor) break;
        }
        MeasureRatio(values);
        WriteBack(values, changed);
        Emit($"step {Step}: MACs {before:P2} were below {floor:P2} ({1 - Settings.StopTolerance:P0} of the target): re-admitted {added} pruned channels: " +
            $"MACs {_lastRatio:P2} of full, widths [{string.Join(",", CurrentWidths)}]");
    }

    /// <summary>
    /// Widths and MACs ratio of the masks of host copies <paramref name="values"/> of the prunable latents (also kept as
    /// <see cref="CurrentWidths"/> and <see cref="CurrentRatio"/>).
    /// </summary>
    double MeasureRatio(float[][] values)
    {
        CurrentWidths = _hyper.Widths(values, Settings.PruneThreshold, Settings.MinChannels);
        _lastRatio = (double)Macs(CurrentWidths) / FullMacs;
        return _lastRatio;
    }

    /// <summary>
    /// The MAC pressure of each prunable layer: the MACs one of its channels costs at the full widths (the full MACs less
    /// those with one channel fewer), divided by the mean of that cost over all prunable channels, so the mean shrink per
    /// entry stays what uniform pressure gives.
    /// </summary>
    static float[] MacPressures(IPrunableGenerator g, int[] full, long fullMacs, int size)
    {
        var cost = full.Select((c, l) =>
        {
            var fewer = full.ToArray();
            fewer[l] = c - 1;
            return (double)(fullMacs - HyperNetwork.Macs(g, fewer, size));
        }).ToArray();
        double mean = cost.Select((x, l) => x * full[l]).Sum() / full.Sum();
        return cost.Select(x => (float)(x / mean)).ToArray();
    }

    /// <summary>MACs of the compact generator of <paramref name="widths"/>, each width list counted once.</summary>
    long Macs(int[] widths)
    {
        string key = string.Join(",", widths);
        if (!_macs.TryGetValue(key, out long macs)) _macs[key] = macs = HyperNetwork.Macs(_generator, widths, Settings.ImageSize);
        return macs;
    }

    readonly Dictionary<string, long> _macs = new(StringComparer.Ordinal);

    /// <summary>Width lists whose MACs were counted (each builds a meta model), for tests of what the search costs.</summary>
    internal int MacCounts => _macs.Count;

    /// <summary>The masks of host copies <paramref name="values"/> of the prunable latents.</summary>
    bool[][] MasksOf(float[][] values) =>
        _hyper.Prunable.Select((l, i) => l.Mask(values[i], Settings.PruneThreshold, Settings.MinChannels)).ToArray();

    /// <summary>With <see cref="SearchSettings.MaskPruned"/>, zeroes the channels <paramref name="masks"/> leave out from now on.</summary>
    void ApplyMasks(bool[][] masks)
    {
        if (!Settings.MaskPruned) return;
        _masks = masks.Select(m => m.ToArray()).ToArray();
        _hyper.SetMasks(_masks);
    }

    /// <summary>Removes the masking (a no-op for an unmasked search): call before the generator is disposed or trained on
    /// at full width.</summary>
    public void Unmask()
    {
        if (_masks == null) return;
        _masks = null;
        _hyper.SetMasks(null);
    }

    /// <summary>Uploads the host copies of the latents that changed.</summary>
    void WriteBack(float[][] values, bool[] changed)
    {
        for (int l = 0; l < values.Length; l++)
            if (changed[l]) _hyper.Prunable[l].Value.CopyFrom(values[l]);
    }

    /// <summary>Zeroes the latent entries the masks taken at the stop had cut (a no-op before the stop).</summary>
    void HoldStopMasks()
    {
        if (_stopMasks == null) return;
        var values = _hyper.ReadPrunable();
        for (int l = 0; l < values.Length; l++)
        {
            bool changed = false;
            for (int c = 0; c < values[l].Length; c++)
                if (!_stopMasks[l][c] && values[l][c] != 0f) { values[l][c] = 0f; changed = true; }
            if (changed) _hyper.Prunable[l].Value.CopyFrom(values[l]);
        }
    }

    /// <summary>The controller's private state, for checkpoints (the latents themselves are saved with the model).</summary>
    internal SearchSnapshot Snapshot() => new(Lambda, Step, State, _nextCheck, _lastRegularStep, _lastRegularRatio, _rate, _near, _lastRatio,
        CurrentWidths.ToArray(), History.ToArray(), _held, _stopMasks?.Select(m => m.ToArray()).ToArray(), _masks?.Select(m => m.ToArray()).ToArray());

    /// <summary>Continues from a snapshot taken by <see cref="Snapshot"/> on a search with the same settings.</summary>
    internal void Restore(SearchSnapshot s)
    {
        Lambda = s.Lambda; Step = s.Step; State = s.State; _nextCheck = s.NextCheck; _lastRegularStep = s.LastRegularStep;
        _lastRegularRatio = s.LastRegularRatio; _rate = s.Rate; _near = s.Near; _lastRatio = s.LastRatio; _held = s.Held;
        if (s.StopMasks != null && !_hyper.Fits(s.StopMasks))
            throw new InvalidDataException($"the checkpoint's search state holds stop masks that do not fit the generator's {_hyper.Prunable.Count} prunable latents; the file is corrupt or was edited.");
        _stopMasks = s.StopMasks?.Select(m => m.ToArray()).ToArray();
        if (s.Masks != null && (!Settings.MaskPruned || !_hyper.Fits(s.Masks)))
            throw new InvalidDataException($"the checkpoint's search state holds masks that do not fit the generator's {_hyper.Prunable.Count} prunable latents or a search without masking; the file is corrupt or was edited.");
        if (s.Masks != null) ApplyMasks(s.Masks);
        else Unmask();
        CurrentWidths = s.CurrentWidths.ToArray();
        History.Clear();
        History.AddRange(s.History);
    }

    /// <summary>
    /// The compact generator (the hypernetwork is not part of it): at the masks taken when the search stopped, or at the
    /// current masks while it searches. The stop masks keep the MACs the stop measured: a kept entry that drifted under
    /// the threshold while another search ran on stays a channel.
    /// </summary>
    public Module Extract() => _hyper.Extract(_generator, _model, Settings.PruneThreshold, Settings.MinChannels, masks: _stopMasks);

    /// <summary>
    /// Copies what <see cref="Extract"/> keeps into <paramref name="target"/>, a generator of the compact widths: plain,
    /// or a hyper generator that then trains on in the hypernetwork's form (<see cref="HyperNetwork.CopyKept"/>).
    /// </summary>
    public void CopyKept(Module target) => _hyper.CopyKept(_model, target, Settings.PruneThreshold, Settings.MinChannels, masks: _stopMasks);

    /// <summary>
    /// The hyper generator as a plain generator at the full widths, every channel kept, with the weights the hypernetwork
    /// generates now: the same function as the hyper generator (a teacher for the fine-tune).
    /// </summary>
    public Module Materialise() => HyperNetwork.Materialise(_model);

    /// <summary>
    /// A frozen-to-be copy of the generator at the cut as a plain generator: <see cref="Materialise"/> (full width) for
    /// an unmasked search; for a masked one the masked generator computes what its extraction computes, so
    /// <see cref="Extract"/>.
    /// </summary>
    public Module Teacher() => Settings.MaskPruned ? Extract() : Materialise();

    void Emit(string line)
    {
        History.Add(line);
        Log?.Invoke(line);
    }
}

/// <summary>Everything a <see cref="PruningSearch"/> needs, besides its generator, to continue exactly where it was.</summary>
internal sealed record SearchSnapshot(float Lambda, int Step, SearchState State, int NextCheck, int LastRegularStep, double LastRegularRatio,
    double Rate, bool Near, double LastRatio, int[] CurrentWidths, string[] History, bool Held = false, bool[][]? StopMasks = null,
    bool[][]? Masks = null);
