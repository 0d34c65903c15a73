namespace CoroNetGAN;

/// <summary>Steps and wall time spent in one phase.</summary>
/// <param name="Steps">Optimizer steps of the phase.</param>
/// <param name="Seconds">Wall seconds, summed over the sessions of a resumed run.</param>
public sealed record PhaseTime(long Steps, double Seconds);

/// <summary>L1 on the paired test split (mean absolute error in [-1, 1] units).</summary>
/// <param name="L1">The compact generator's output against the target, in eval mode.</param>
/// <param name="IdentityL1">The input itself against the target.</param>
/// <param name="MeanL1">The mean training target image against the target.</param>
/// <param name="Images">Test pairs evaluated.</param>
public sealed record TestScores(double L1, double IdentityL1, double MeanL1, int Images);

/// <summary>
/// What a run produced, also written as <c>report.json</c> (camelCase) in the output folder. MACs follow the
/// torchprofile convention at <see cref="MacImageSize"/>. For CycleGAN the generator fields describe G_A (A -> B) and
/// the <c>BtoA</c> fields G_B. Immutable.
/// </summary>
public sealed record TrainReport
{
    /// <summary>"pix2pix", "cyclegan" or "dcgan".</summary>
    public required string Mode { get; init; }
    /// <summary>Generator architecture ("resnet9", "resnet6", "unet", "dcgan").</summary>
    public required string Arch { get; init; }
    /// <summary>Training image size.</summary>
    public required int Size { get; init; }
    /// <summary>Generator base width.</summary>
    public required int Ngf { get; init; }
    /// <summary>Image size the MACs are counted at.</summary>
    public required int MacImageSize { get; init; }
    /// <summary>MACs of the full generator.</summary>
    public required long FullMacs { get; init; }
    /// <summary>The search's target in MACs; null without pruning.</summary>
    public long? TargetMacs { get; init; }
    /// <summary>MACs of the compact (or plain) generator.</summary>
    public required long CompactMacs { get; init; }
    /// <summary>Parameters of the full plain generator.</summary>
    public required long FullParams { get; init; }
    /// <summary>Parameters of the compact generator.</summary>
    public required long CompactParams { get; init; }
    /// <summary>Per-layer widths of the compact generator.</summary>
    public required int[] Widths { get; init; }
    /// <summary>Names of the width entries.</summary>
    public required string WidthLayout { get; init; }
    /// <summary>CycleGAN: MACs of G_B's compact generator.</summary>
    public long? CompactMacsBtoA { get; init; }
    /// <summary>CycleGAN: G_B's widths.</summary>
    public int[]? WidthsBtoA { get; init; }
    /// <summary>Steps of the run.</summary>
    public required long TotalSteps { get; init; }
    /// <summary>Steps and seconds per phase ("search", "finetune", or "train").</summary>
    public required IReadOnlyDictionary<string, PhaseTime> Phases { get; init; }
    /// <summary>The compact generator's file (A -> B).</summary>
    public required string CompactModel { get; init; }
    /// <summary>CycleGAN: the B -> A compact generator's file.</summary>
    public string? CompactModelBtoA { get; init; }
    /// <summary>The compact generator's file as extracted, before the first fine-tune step (<c>extracted.safetensors</c>);
    /// null without a search.</summary>
    public string? ExtractedModel { get; init; }
    /// <summary>CycleGAN: the B -> A generator as extracted (<c>extracted_BtoA.safetensors</c>).</summary>
    public string? ExtractedModelBtoA { get; init; }
    /// <summary>Scores on the paired test split, when one was given.</summary>
    public TestScores? Test { get; init; }
    /// <summary>The search's log lines (check results, lambda changes), by generator.</summary>
    public IReadOnlyDictionary<string, string[]>? SearchLog { get; init; }
}
