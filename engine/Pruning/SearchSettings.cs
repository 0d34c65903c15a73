namespace CoroNetGAN.Engine.Pruning;

/// <summary>
/// Settings of the controlled pruning search. Give the target as a ratio of the full generator's MACs
/// (<see cref="TargetRatio"/>, e.g. 0.05) or in GMACs (<see cref="TargetGMacs"/>, e.g. 2.6).
/// </summary>
/// <param name="TargetRatio">Target MACs / full MACs, in (0, 1].</param>
/// <param name="TargetGMacs">Target MACs in billions (torchprofile convention) at <paramref name="ImageSize"/>.</param>
/// <param name="Lambda">Regularisation factor: the proximal step shrinks latents by lambda x learning rate (DHP: 0.1 with Adam).</param>
/// <param name="PruneThreshold">|z| below this marks a pruned channel (DHP: 5e-3).</param>
/// <param name="MinChannels">Channels every prunable layer keeps (DHP: 4).</param>
/// <param name="StopTolerance">The search ends with the MACs at most the target and at least (1 - this) x the target
/// (DHP stopped within 0.02 above the target ratio, which at small targets allowed 40% too many MACs).</param>
/// <param name="CheckEvery">Steps between MAC checks (DHP: 100); checks come every step once the target is near.</param>
/// <param name="StepBudget">Steps the search may take; when set, lambda adapts so the target is reached within it,
/// and when the budget runs out the smallest latent entries are pruned until the target is met.</param>
/// <param name="ImageSize">Input size the MACs are counted at (256 for the paper's figures).</param>
/// <param name="Pressure">How the proximal step's shrink is shared among the layers: <see cref="PrunePressure.Uniform"/> (DHP) or
/// <see cref="PrunePressure.Macs"/> (scaled per layer by the MACs one of its channels costs).</param>
/// <param name="EndFloor">Fraction of its channels the first and last prunable layers keep at least (0: only
/// <paramref name="MinChannels"/>, as DHP): their entries up to the floor are never shrunk and never force-pruned. Null:
/// the floor falls with the target, <see cref="EndFloorFor"/>.</param>
/// <param name="RunToBudget">Run the whole <paramref name="StepBudget"/> (needs one): once the target is met the proximal step
/// stops and the masks hold while the hypernetwork trains on; at the budget the stop rule is applied again (DHP: false,
/// the search ends at the target).</param>
/// <param name="LayerFloor">Fraction of its channels every prunable layer keeps at least (0: only <paramref name="MinChannels"/>,
/// as DHP); the end layers keep the larger of this and <paramref name="EndFloor"/>. Like the end floor, entries up to it are
/// never shrunk and never force-pruned, so at a small target the search cannot leave a layer of a few channels.</param>
/// <param name="MaskPruned">Zero the pruned channels' activations while the search runs, from each MAC check on (false: DHP,
/// the full width runs unmasked and the cut changes the function), so the generator learns without them before the cut
/// and the extraction computes what the searching generator computed.</param>
public sealed record SearchSettings(
    double? TargetRatio = null,
    double? TargetGMacs = null,
    float Lambda = 0.1f,
    float PruneThreshold = 5e-3f,
    int MinChannels = 4,
    double StopTolerance = 0.04,
    int CheckEvery = 100,
    int? StepBudget = null,
    int ImageSize = 256,
    PrunePressure Pressure = PrunePressure.Uniform,
    double? EndFloor = 0,
    bool RunToBudget = false,
    double LayerFloor = 0,
    bool MaskPruned = false)
{
    /// <summary>The largest initial lambda accepted (10,000 x DHP's 0.1; small test runs use up to 50); far above it the
    /// first proximal step prunes every layer to its minimum.</summary>
    public const float MaxLambda = 1000f;

    /// <summary>
    /// The end layers' floor for a target of <paramref name="targetRatio"/> of the full MACs when none is given
    /// (<see cref="EndFloor"/> null): 1.5 times the width factor of a uniformly narrowed generator of the target's MACs
    /// (sqrt(ratio), since MACs scale with the square of the width), at most 0.75: 0.75 down to a quarter of the MACs,
    /// 0.47 at a tenth, 0.33 at 0.047. The end layers' MACs grow with their floor while the budget shrinks with the
    /// target, so a fixed floor that helps at a quarter starves the other layers at a tenth; on the pix2pix set 0.75
    /// measured best at a quarter and 0.5 at a tenth, where 0.75 was worse and 0.3 no better (docs/quality.md 9, 10).
    /// </summary>
    public static double EndFloorFor(double targetRatio) => Math.Min(0.75, 1.5 * Math.Sqrt(targetRatio));
}
