using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN;

/// <summary>
/// What <see cref="Interchange.ImportPyTorch"/> should assume about a PyTorch state dict. Every field is optional:
/// what the keys and shapes show is inferred, and a given value that disagrees with the file is an error.
/// Immutable; safe to share between threads.
/// </summary>
/// <param name="Ngf">Filters of the first conv (ngf; ndf for the discriminator).</param>
/// <param name="Norm">The norm the network was trained with.</param>
/// <param name="InputChannels">Image channels in (6 for a pix2pix discriminator).</param>
/// <param name="OutputChannels">Image channels out (generators).</param>
/// <param name="Blocks">Residual blocks (ResNet; fixed by resnet9 and resnet6).</param>
/// <param name="NumDowns">Downsamplings (U-Net; fixed by unet256, unet128 and unet64).</param>
/// <param name="Layers">Stride-2 conv layers (PatchGAN, default 3).</param>
/// <param name="UseDropout">Dropout in the generator. The keys show it for the ResNet; for the U-Net they cannot,
/// and the default is pix2pix's (on). It matters only in training mode.</param>
public sealed record ImportOptions(int? Ngf = null, NormKind? Norm = null, int? InputChannels = null, int? OutputChannels = null,
    int? Blocks = null, int? NumDowns = null, int? Layers = null, bool? UseDropout = null)
{
    /// <summary>The depth given under a family's depth option (<c>--blocks</c>, <c>--num-downs</c>); null when not given.</summary>
    internal int? Depth(string option) => option switch { "--blocks" => Blocks, "--num-downs" => NumDowns, _ => null };
}
