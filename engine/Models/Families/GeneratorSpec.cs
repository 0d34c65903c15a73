using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN.Engine.Models.Families;

/// <summary>
/// The settings every generator family is built from, in family-neutral terms: a ResNet's <see cref="Depth"/> is its
/// residual blocks, a U-Net's its downsamplings. Each family maps it one-to-one onto its own configuration record.
/// </summary>
/// <param name="InputChannels">Channels in (image channels, or noise channels for a generator from noise).</param>
/// <param name="OutputChannels">Image channels out.</param>
/// <param name="Ngf">The family's base width (the first or last layer's filters).</param>
/// <param name="Depth">The family's depth parameter (see <see cref="GeneratorFamily.DepthField"/>).</param>
/// <param name="Norm">The normalisation.</param>
/// <param name="UseDropout">Dropout, where the family has any.</param>
/// <param name="Widths">Pruned per-layer widths in the family's width layout; null for full width.</param>
public sealed record GeneratorSpec(int InputChannels, int OutputChannels, int Ngf, int Depth, NormKind Norm, bool UseDropout,
    IReadOnlyList<int>? Widths = null);
