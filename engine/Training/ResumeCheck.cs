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
        var fixedChanges = new List<string>();
        void Fixed<T>(string name, T old, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(old, now)) fixedChanges.Add($"{name}: {Show(old)} -> {Show(now)}");
        }
        Fixed("TrainOptions.Mode", saved.Mode, requested.Mode);
        // Another mode brings other defaults (generator, GAN loss, pool): listing those too would only repeat the mode.
        bool sameMode = saved.Mode == requested.Mode;
        if (sameMode) Fixed("TrainOptions.NetG", saved.EffectiveNetG, requested.EffectiveNetG);
        Fixed("TrainOptions.Size", saved.Size, requested.Size);
        Fixed("TrainOptions.Ngf", saved.Ngf, requested.Ngf);
        Fixed("TrainOptions.Ndf", saved.Ndf, requested.Ndf);
        Fixed("TrainOptions.NoPrune", saved.NoPrune, requested.NoPrune);
        Fixed("TrainOptions.Seed", saved.Seed, requested.Seed);
        if (sameMode) Fixed("TrainOptions.Gan", saved.EffectiveGan, requested.EffectiveGan);
        Fixed("TrainOptions.LambdaL1", saved.LambdaL1, requested.LambdaL1);
        Fixed("TrainOptions.LambdaA", saved.LambdaA, requested.LambdaA);
        Fixed("TrainOptions.LambdaB", saved.LambdaB, requested.LambdaB);
        Fixed("TrainOptions.LambdaIdentity", saved.LambdaIdentity, requested.LambdaIdentity);
        if (sameMode) Fixed("TrainOptions.PoolSize", saved.EffectivePoolSize, requested.EffectivePoolSize);
        Fixed("TrainOptions.LearningRate", saved.LearningRate, requested.LearningRate);
        Fixed("TrainOptions.Beta1", saved.Beta1, requested.Beta1);
        Fixed("TrainOptions.DecayStart", saved.DecayStart, requested.DecayStart);
        Fixed("TrainOptions.BatchSize", saved.BatchSize, requested.BatchSize);
        Fixed("TrainOptions.Norm", saved.EffectiveNorm, requested.EffectiveNorm);
        Fixed("TrainOptions.Dropout", saved.EffectiveDropout, requested.EffectiveDropout);
        Fixed("TrainOptions.LayersD", saved.LayersD, requested.LayersD);
        Fixed("TrainOptions.SerialBatches", saved.SerialBatches, requested.SerialBatches);
        Fixed("TrainOptions.BtoA", saved.BtoA ? "BtoA" : "AtoB", requested.BtoA ? "BtoA" : "AtoB");
        Fixed("TrainOptions.NoFlip", saved.NoFlip, requested.NoFlip);
        Fixed("TrainOptions.Widths", saved.Widths is { } sw ? string.Join(",", sw) : "full", requested.Widths is { } rw ? string.Join(",", rw) : "full");
        if (!saved.NoPrune && !requested.NoPrune)
        {
            PruneOptions a = saved.EffectivePrune, b = requested.EffectivePrune;
            Fixed("TrainOptions.Prune.TargetRatio", a.TargetRatio, b.TargetRatio);
            Fixed("TrainOptions.Prune.TargetGMacs", a.TargetGMacs, b.TargetGMacs);
            Fixed("TrainOptions.Prune.Lambda", a.Lambda, b.Lambda);
            Fixed("TrainOptions.Prune.SearchShare", a.SearchShare, b.SearchShare);
            Fixed("TrainOptions.Prune.MinChannels", a.MinChannels, b.MinChannels);
            Fixed("TrainOptions.Prune.CheckEvery", a.CheckEvery, b.CheckEvery);
            Fixed("TrainOptions.Prune.StopTolerance", a.StopTolerance, b.StopTolerance);
            Fixed("TrainOptions.Prune.MacImageSize", a.MacImageSize, b.MacImageSize);
            Fixed("TrainOptions.Prune.Pressure", a.Pressure, b.Pressure);
            Fixed("TrainOptions.Prune.EndFloor", a.EndFloor, b.EndFloor);
        }
        if (requested.TotalSteps < stepsDone)
            fixedChanges.Add($"TrainOptions.TotalSteps: {saved.TotalSteps} -> {requested.TotalSteps}, below the {stepsDone} steps already done");
        if (fixedChanges.Count > 0)
            throw new InvalidDataException($"{source}: the run in this folder cannot continue with these options, which cannot change mid-run: " +
                string.Join("; ", fixedChanges) + ". Repeat the run's own values (or leave them out), or start a new run: overwrite this one, or give another TrainOptions.OutputDirectory.");

        var applied = new List<string>();
        void Applied<T>(string name, T old, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(old, now)) applied.Add($"{name}: {Show(old)} -> {Show(now)}");
        }
        Applied("TrainOptions.TotalSteps", saved.TotalSteps, requested.TotalSteps);
        Applied("TrainOptions.CheckpointEvery", saved.CheckpointEvery, requested.CheckpointEvery);
        Applied("TrainOptions.SampleEvery", saved.SampleEvery, requested.SampleEvery);
        Applied("TrainOptions.KeepCheckpoints", saved.KeepCheckpoints, requested.KeepCheckpoints);
        var options = saved with
        {
            TotalSteps = requested.TotalSteps,
            CheckpointEvery = requested.CheckpointEvery,
            SampleEvery = requested.SampleEvery,
            KeepCheckpoints = requested.KeepCheckpoints,
        };
        return (options, applied);
    }

    static string Show<T>(T value) => value switch
    {
        null => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => value.ToString()!.ToLowerInvariant(),
    };
}
