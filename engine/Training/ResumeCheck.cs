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
    /// applied change ("total steps: 100 -&gt; 200").
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
        Fixed("--mode", saved.Mode, requested.Mode);
        // Another mode brings other defaults (generator, GAN loss, pool): listing those too would only repeat the mode.
        bool sameMode = saved.Mode == requested.Mode;
        if (sameMode) Fixed("--net-g", saved.EffectiveNetG, requested.EffectiveNetG);
        Fixed("--size", saved.Size, requested.Size);
        Fixed("--ngf", saved.Ngf, requested.Ngf);
        Fixed("--ndf", saved.Ndf, requested.Ndf);
        Fixed("--no-prune", saved.NoPrune, requested.NoPrune);
        Fixed("--seed", saved.Seed, requested.Seed);
        if (sameMode) Fixed("GAN loss", saved.EffectiveGan, requested.EffectiveGan);
        Fixed("L1 weight", saved.LambdaL1, requested.LambdaL1);
        Fixed("cycle weight A", saved.LambdaA, requested.LambdaA);
        Fixed("cycle weight B", saved.LambdaB, requested.LambdaB);
        Fixed("identity weight", saved.LambdaIdentity, requested.LambdaIdentity);
        if (sameMode) Fixed("pool size", saved.EffectivePoolSize, requested.EffectivePoolSize);
        Fixed("learning rate", saved.LearningRate, requested.LearningRate);
        Fixed("beta1", saved.Beta1, requested.Beta1);
        Fixed("decay start", saved.DecayStart, requested.DecayStart);
        Fixed("batch size", saved.BatchSize, requested.BatchSize);
        Fixed("--norm", saved.EffectiveNorm, requested.EffectiveNorm);
        Fixed("dropout", saved.EffectiveDropout, requested.EffectiveDropout);
        Fixed("discriminator layers", saved.LayersD, requested.LayersD);
        Fixed("serial batches", saved.SerialBatches, requested.SerialBatches);
        Fixed("--direction", saved.BtoA ? "BtoA" : "AtoB", requested.BtoA ? "BtoA" : "AtoB");
        Fixed("--no-flip", saved.NoFlip, requested.NoFlip);
        Fixed("generator widths", saved.Widths is { } sw ? string.Join(",", sw) : "full", requested.Widths is { } rw ? string.Join(",", rw) : "full");
        if (!saved.NoPrune && !requested.NoPrune)
        {
            PruneOptions a = saved.EffectivePrune, b = requested.EffectivePrune;
            Fixed("--target-ratio", a.TargetRatio, b.TargetRatio);
            Fixed("--target-gmacs", a.TargetGMacs, b.TargetGMacs);
            Fixed("--lambda", a.Lambda, b.Lambda);
            Fixed("--search-share", a.SearchShare, b.SearchShare);
            Fixed("minimum channels", a.MinChannels, b.MinChannels);
            Fixed("check interval", a.CheckEvery, b.CheckEvery);
            Fixed("stop tolerance", a.StopTolerance, b.StopTolerance);
            Fixed("MAC counting size", a.MacImageSize, b.MacImageSize);
        }
        if (requested.TotalSteps < stepsDone)
            fixedChanges.Add($"--steps: {saved.TotalSteps} -> {requested.TotalSteps}, below the {stepsDone} steps already done");
        if (fixedChanges.Count > 0)
            throw new InvalidDataException($"{source}: the run in this folder cannot continue with these options, which cannot change mid-run: " +
                string.Join("; ", fixedChanges) + ". Repeat the run's own values (or leave them out), or start a new run with --overwrite or another --out.");

        var applied = new List<string>();
        void Applied<T>(string name, T old, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(old, now)) applied.Add($"{name}: {Show(old)} -> {Show(now)}");
        }
        Applied("--steps", saved.TotalSteps, requested.TotalSteps);
        Applied("--checkpoint-every", saved.CheckpointEvery, requested.CheckpointEvery);
        Applied("--sample-every", saved.SampleEvery, requested.SampleEvery);
        Applied("checkpoints kept", saved.KeepCheckpoints, requested.KeepCheckpoints);
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
