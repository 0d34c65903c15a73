using System.Globalization;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// What a resumed run may change. Fixed (an error listing each old -&gt; new): mode, generator, image size, widths
/// (ngf, ndf), pruning on or off, the target and the search's settings (lambda, search share, minimum channels, check
/// interval, stop limit, MAC size), the loss weights, GAN loss, pool size, learning rate, beta1, decay start, batch
/// size and seed: each shapes the models or the state already trained. Applied (and reported): the total steps (not
/// below the steps done; the learning-rate decay and the search's step budget follow it), the checkpoint and sample
/// intervals, and how many checkpoints are kept.
/// </summary>
public static class ResumeCheck
{
    /// <summary>
    /// Compares the run's saved options with the requested ones; returns the options to continue with and one line per
    /// applied change ("TrainOptions.TotalSteps: 100 -&gt; 200"); options are named by their <see cref="TrainOptions"/> property.
    /// </summary>
    /// <param name="saved">The options stored in the checkpoint.</param>
    /// <param name="requested">The options asked for now.</param>
    /// <param name="source">The checkpoint file, for the message.</param>
    /// <param name="stepsDone">Steps the run has done, when known.</param>
    /// <exception cref="InvalidDataException">An option that cannot change mid-run differs; the message lists each.</exception>
    public static (TrainOptions Options, IReadOnlyList<string> Applied) Reconcile(TrainOptions saved, TrainOptions requested, string source, long stepsDone = 0)
    {
        var rows = Rows(saved, requested);
        var fixedChanges = Changes(rows, canChange: false);
        if (requested.TotalSteps < stepsDone)
            fixedChanges.Add($"TrainOptions.TotalSteps: {saved.TotalSteps} -> {requested.TotalSteps}, below the {stepsDone} steps already done");
        if (fixedChanges.Count > 0)
            throw new InvalidDataException($"{source}: the run in this folder cannot continue with these options, which cannot change mid-run: " +
                string.Join("; ", fixedChanges) + ". Repeat the run's own values (or leave them out), or start a new run: overwrite this one, or give another TrainOptions.OutputDirectory.");

        var options = saved with
        {
            TotalSteps = requested.TotalSteps,
            CheckpointEvery = requested.CheckpointEvery,
            SampleEvery = requested.SampleEvery,
            KeepCheckpoints = requested.KeepCheckpoints,
        };
        return (options, Changes(rows, canChange: true));
    }

    /// <summary>One option compared on resume: its <see cref="TrainOptions"/> property, saved and requested values, and whether a resume may change it.</summary>
    readonly record struct Row(string Name, object? Old, object? Now, bool CanChange);

    /// <summary>Every compared option, fixed ones first, in the order messages list them.</summary>
    static List<Row> Rows(TrainOptions saved, TrainOptions requested)
    {
        // Another mode brings other defaults (generator, GAN loss, pool): listing those too would only repeat the mode.
        bool sameMode = saved.Mode == requested.Mode;
        var rows = new List<Row>();
        void Fixed(string name, object? old, object? now, bool compared = true)
        {
            if (compared) rows.Add(new(name, old, now, CanChange: false));
        }
        Fixed("Mode", saved.Mode, requested.Mode);
        Fixed("NetG", saved.EffectiveNetG, requested.EffectiveNetG, sameMode);
        Fixed("Size", saved.Size, requested.Size);
        Fixed("Ngf", saved.Ngf, requested.Ngf);
        Fixed("Ndf", saved.Ndf, requested.Ndf);
        Fixed("NoPrune", saved.NoPrune, requested.NoPrune);
        Fixed("Seed", saved.Seed, requested.Seed);
        Fixed("Gan", saved.EffectiveGan, requested.EffectiveGan, sameMode);
        Fixed("LambdaL1", saved.LambdaL1, requested.LambdaL1);
        Fixed("LambdaA", saved.LambdaA, requested.LambdaA);
        Fixed("LambdaB", saved.LambdaB, requested.LambdaB);
        Fixed("LambdaIdentity", saved.LambdaIdentity, requested.LambdaIdentity);
        Fixed("PoolSize", saved.EffectivePoolSize, requested.EffectivePoolSize, sameMode);
        Fixed("LearningRate", saved.LearningRate, requested.LearningRate);
        Fixed("Beta1", saved.Beta1, requested.Beta1);
        Fixed("DecayStart", saved.DecayStart, requested.DecayStart);
        Fixed("BatchSize", saved.BatchSize, requested.BatchSize);
        Fixed("Norm", saved.EffectiveNorm, requested.EffectiveNorm);
        Fixed("Dropout", saved.EffectiveDropout, requested.EffectiveDropout);
        Fixed("LayersD", saved.LayersD, requested.LayersD);
        Fixed("SerialBatches", saved.SerialBatches, requested.SerialBatches);
        Fixed("BtoA", saved.BtoA ? "BtoA" : "AtoB", requested.BtoA ? "BtoA" : "AtoB");
        Fixed("NoFlip", saved.NoFlip, requested.NoFlip);
        Fixed("Widths", saved.Widths is { } sw ? string.Join(",", sw) : "full", requested.Widths is { } rw ? string.Join(",", rw) : "full");
        // The search's settings matter only while both runs search.
        bool searching = !saved.NoPrune && !requested.NoPrune;
        PruneOptions a = saved.EffectivePrune, b = requested.EffectivePrune;
        Fixed("Prune.TargetRatio", a.TargetRatio, b.TargetRatio, searching);
        Fixed("Prune.TargetGMacs", a.TargetGMacs, b.TargetGMacs, searching);
        Fixed("Prune.Lambda", a.Lambda, b.Lambda, searching);
        Fixed("Prune.SearchShare", a.SearchShare, b.SearchShare, searching);
        Fixed("Prune.MinChannels", a.MinChannels, b.MinChannels, searching);
        Fixed("Prune.CheckEvery", a.CheckEvery, b.CheckEvery, searching);
        Fixed("Prune.StopTolerance", a.StopTolerance, b.StopTolerance, searching);
        Fixed("Prune.MacImageSize", a.MacImageSize, b.MacImageSize, searching);
        Fixed("Prune.Pressure", a.Pressure, b.Pressure, searching);
        Fixed("Prune.EndFloor", a.EndFloor ?? (object)"auto", b.EndFloor ?? (object)"auto", searching);
        Fixed("Prune.LayerFloor", a.LayerFloor, b.LayerFloor, searching);
        Fixed("Prune.SearchUntil", a.SearchUntil, b.SearchUntil, searching);
        Fixed("Prune.SearchMask", a.SearchMask ? "on" : "off", b.SearchMask ? "on" : "off", searching);
        Fixed("Prune.FinetuneRate", a.FinetuneRate, b.FinetuneRate, searching);
        Fixed("Prune.FinetuneFrom", a.FinetuneFrom, b.FinetuneFrom, searching);
        Fixed("Prune.FinetuneD", a.FinetuneD, b.FinetuneD, searching);
        Fixed("Prune.FinetuneDistill", a.FinetuneDistill, b.FinetuneDistill, searching);
        Fixed("Prune.DistillSchedule", a.DistillSchedule, b.DistillSchedule, searching);
        rows.Add(new("TotalSteps", saved.TotalSteps, requested.TotalSteps, CanChange: true));
        rows.Add(new("CheckpointEvery", saved.CheckpointEvery, requested.CheckpointEvery, CanChange: true));
        rows.Add(new("SampleEvery", saved.SampleEvery, requested.SampleEvery, CanChange: true));
        rows.Add(new("KeepCheckpoints", saved.KeepCheckpoints, requested.KeepCheckpoints, CanChange: true));
        return rows;
    }

    /// <summary>"TrainOptions.&lt;name&gt;: old -&gt; new" for each row of the kind <paramref name="canChange"/> whose values differ.</summary>
    static List<string> Changes(IEnumerable<Row> rows, bool canChange) =>
        rows.Where(r => r.CanChange == canChange && !Equals(r.Old, r.Now)).Select(r => $"TrainOptions.{r.Name}: {Show(r.Old)} -> {Show(r.Now)}").ToList();

    static string Show(object? value) => value switch
    {
        null => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => value.ToString()!.ToLowerInvariant(),
    };
}
