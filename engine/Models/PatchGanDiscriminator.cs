using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models;

/// <summary>Settings of a <see cref="PatchGanDiscriminator"/>.</summary>
/// <param name="InputChannels">3 for CycleGAN; 6 for pix2pix (input and output image concatenated).</param>
/// <param name="Ndf">Filters of the first conv (64).</param>
/// <param name="Layers">Stride-2 conv layers (3: the 70x70 PatchGAN).</param>
/// <param name="Norm">Instance norm (CycleGAN), batch norm (pix2pix), or none.</param>
public sealed record PatchGanConfig(int InputChannels = 3, int Ndf = 64, int Layers = 3, NormKind Norm = NormKind.Instance);

/// <summary>
/// The PatchGAN discriminator (pytorch-CycleGAN-and-pix2pix's NLayerDiscriminator): 4x4 convs, LeakyReLU 0.2,
/// channels ndf, 2ndf, 4ndf, 8ndf (capped at 8ndf), one stride-1 conv, and a 1-channel map of patch logits.
/// Keys are the reference's (<c>model.0.weight</c>, ...).
/// </summary>
public sealed class PatchGanDiscriminator : Module
{
    readonly Sequential _model;

    /// <summary>Builds the discriminator on <paramref name="device"/> with the reference init from <paramref name="seed"/>.</summary>
    public PatchGanDiscriminator(PatchGanConfig config, Device device, int seed = 0)
    {
        const string name = "PatchGAN discriminator";
        Validate.Positive(name, "input channels", config.InputChannels);
        Validate.Positive(name, "ndf", config.Ndf);
        Validate.Positive(name, "the number of layers", config.Layers);
        Config = config;
        var init = new Init(device, seed);
        bool bias = NormLayers.ConvBias(config.Norm);
        int ndf = config.Ndf;
        var layers = new List<Module> { new Layers.Conv2d(init, config.InputChannels, ndf, 4, 2, 1, bias: true), new LeakyReLU(0.2f) };
        int mult = 1;
        for (int n = 1; n < config.Layers; n++)
        {
            int prev = mult;
            mult = Math.Min(1 << n, 8);
            layers.AddRange([new Layers.Conv2d(init, ndf * prev, ndf * mult, 4, 2, 1, bias), NormLayers.Create(init, config.Norm, ndf * mult), new LeakyReLU(0.2f)]);
        }
        int last = mult;
        mult = Math.Min(1 << config.Layers, 8);
        layers.AddRange([new Layers.Conv2d(init, ndf * last, ndf * mult, 4, 1, 1, bias), NormLayers.Create(init, config.Norm, ndf * mult), new LeakyReLU(0.2f)]);
        layers.Add(new Layers.Conv2d(init, ndf * mult, 1, 4, 1, 1, bias: true));
        _model = AddChild("model", new Sequential(layers));
    }

    /// <summary>The configuration it was built from.</summary>
    public PatchGanConfig Config { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != Config.InputChannels)
            throw new ArgumentException($"PatchGAN discriminator: expects input [N,{Config.InputChannels},H,W], got {Tensor.Format(x.Dims)}.");
        return _model.Forward(x);
    }
}
