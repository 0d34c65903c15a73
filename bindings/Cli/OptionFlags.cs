using System.Text.RegularExpressions;

namespace CoroNetGAN.Cli;

/// <summary>
/// The engine and the API name a setting by its <see cref="TrainOptions"/> property (<c>TrainOptions.Prune.Lambda</c>),
/// which is what an app sets; the command line shows its users the flag that sets it (<c>--lambda</c>). A property
/// without a flag that follows from other options (a resumed run's dropout follows --mode) is named in words; the
/// rest keep their property name (they can be set from code only).
/// </summary>
public static partial class OptionFlags
{
    static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["TrainOptions.Mode"] = "--mode",
        ["TrainOptions.NetG"] = "--net-g",
        ["TrainOptions.Size"] = "--size",
        ["TrainOptions.Ngf"] = "--ngf",
        ["TrainOptions.Ndf"] = "--ndf",
        ["TrainOptions.TotalSteps"] = "--steps",
        ["TrainOptions.OutputDirectory"] = "--out",
        ["TrainOptions.NoPrune"] = "--no-prune",
        ["TrainOptions.Seed"] = "--seed",
        ["TrainOptions.CheckpointEvery"] = "--checkpoint-every",
        ["TrainOptions.SampleEvery"] = "--sample-every",
        ["TrainOptions.BatchSize"] = "--batch-size",
        ["TrainOptions.Norm"] = "--norm",
        ["TrainOptions.LearningRate"] = "--lr",
        ["TrainOptions.Beta1"] = "--beta1",
        ["TrainOptions.Gan"] = "--gan-mode",
        ["TrainOptions.LambdaL1"] = "--lambda-l1",
        ["TrainOptions.LambdaA"] = "--lambda-a",
        ["TrainOptions.LambdaB"] = "--lambda-b",
        ["TrainOptions.LambdaIdentity"] = "--lambda-identity",
        ["TrainOptions.PoolSize"] = "--pool-size",
        ["TrainOptions.LayersD"] = "--n-layers-d",
        ["TrainOptions.BtoA"] = "--direction",
        ["TrainOptions.NoFlip"] = "--no-flip",
        ["TrainOptions.Prune.TargetRatio"] = "--target-ratio",
        ["TrainOptions.Prune.TargetGMacs"] = "--target-gmacs",
        ["TrainOptions.Prune.Lambda"] = "--lambda",
        ["TrainOptions.Prune.SearchShare"] = "--search-share",
        ["TrainOptions.Prune.Pressure"] = "--prune-pressure",
        ["TrainOptions.Prune.EndFloor"] = "--end-floor",
        ["TrainOptions.Prune.LayerFloor"] = "--layer-floor",
        ["TrainOptions.Prune.SearchUntil"] = "--search-until",
        ["TrainOptions.Prune.SearchMask"] = "--search-mask",
        ["TrainOptions.Prune.FinetuneRate"] = "--finetune-lr",
        ["TrainOptions.Prune.FinetuneFrom"] = "--finetune-from",
        ["TrainOptions.Prune.FinetuneD"] = "--finetune-d",
        ["TrainOptions.Prune.FinetuneDistill"] = "--finetune-distill",
        ["TrainOptions.Prune.DistillSchedule"] = "--finetune-distill-schedule",
    };

    static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["TrainOptions.Dropout"] = "dropout",
        ["TrainOptions.DecayStart"] = "decay start",
        ["TrainOptions.SerialBatches"] = "serial batches",
        ["TrainOptions.Widths"] = "generator widths",
        ["TrainOptions.KeepCheckpoints"] = "checkpoints kept",
    };

    [GeneratedRegex(@"\bTrainOptions(?:\.[A-Z][A-Za-z0-9]*)+")]
    private static partial Regex PropertyPath();

    /// <summary>The property paths with a flag, for the tests.</summary>
    public static IReadOnlyDictionary<string, string> All => Flags;

    /// <summary>The property paths shown in words, for the tests.</summary>
    public static IReadOnlyDictionary<string, string> InWords => Words;

    /// <summary><paramref name="text"/> with every <c>TrainOptions.*</c> path that has a flag replaced by the flag.</summary>
    public static string Rewrite(string text) =>
        PropertyPath().Replace(text, m => Flags.GetValueOrDefault(m.Value) ?? Words.GetValueOrDefault(m.Value) ?? m.Value);
}
