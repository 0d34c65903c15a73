using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN.Engine.Models;

/// <summary>The norm layer and conv-bias rule of pytorch-CycleGAN-and-pix2pix's get_norm_layer.</summary>
internal static class NormLayers
{
    /// <summary>A norm layer over <paramref name="channels"/>, or Identity for <see cref="NormKind.None"/>.</summary>
    public static Module Create(Init init, NormKind norm, int channels) => norm switch
    {
        NormKind.Instance => new InstanceNorm2d(init, channels, affine: false),
        NormKind.Batch => new BatchNorm2d(init, channels),
        _ => new Identity(),
    };

    /// <summary>
    /// The reference gives the convs before a norm a bias only with InstanceNorm (BatchNorm's shift makes one
    /// redundant; with no norm the reference also leaves it out, and so do we, to keep its parameter counts).
    /// </summary>
    public static bool ConvBias(NormKind norm) => norm == NormKind.Instance;
}
