using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models.Families.Dcgan;

/// <summary>Settings of a <see cref="DcganDiscriminator"/>.</summary>
/// <param name="InputChannels">Image channels (3).</param>
/// <param name="Ndf">Filters of the first conv (64); later ones double per stage.</param>
/// <param name="ImageSize">Input height and width, a power of two of at least 8 (the generator's).</param>
public sealed record DcganDiscriminatorConfig(int InputChannels = 3, int Ndf = 64, int ImageSize = 64);

/// <summary>
/// The DCGAN discriminator (PyTorch's examples/dcgan): stride-2 4x4 convs with LeakyReLU 0.2, BatchNorm after all but
/// the first, down to 4x4, then a 4x4 conv to one logit per image ([N, 1, 1, 1]). The example's final sigmoid is left to
/// the loss (binary cross-entropy on logits, which is the same loss and stabler). Keys are the example's (<c>main.0.weight</c>, ...).
/// </summary>
public sealed class DcganDiscriminator : Module
{
    readonly Sequential _main;

    /// <summary>Builds the discriminator on <paramref name="device"/> with the reference init from <paramref name="seed"/>.</summary>
    public DcganDiscriminator(DcganDiscriminatorConfig config, Device device, int seed = 0)
    {
        const string name = "DCGAN discriminator";
        Validate.Positive(name, "input channels", config.InputChannels);
        Validate.Positive(name, "ndf", config.Ndf);
        if (config.ImageSize < 8 || (config.ImageSize & (config.ImageSize - 1)) != 0 || config.ImageSize > 1024)
            throw new ArgumentException($"{name}: the image size must be a power of two in [8, 1024], got {config.ImageSize}.");
        Config = config;
        var init = new Init(device, seed);
        int stages = DcganGenerator.Stages(config.ImageSize), ndf = config.Ndf;
        var layers = new List<Module> { new Layers.Conv2d(init, config.InputChannels, ndf, 4, 2, 1, bias: false), new LeakyReLU(0.2f) };
        for (int i = 1; i < stages; i++)
            layers.AddRange([new Layers.Conv2d(init, ndf << (i - 1), ndf << i, 4, 2, 1, bias: false), new BatchNorm2d(init, ndf << i), new LeakyReLU(0.2f)]);
        layers.Add(new Layers.Conv2d(init, ndf << (stages - 1), 1, 4, 1, 0, bias: false));
        _main = AddChild("main", new Sequential(layers));
    }

    /// <summary>The configuration it was built from.</summary>
    public DcganDiscriminatorConfig Config { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != Config.InputChannels || x.Dim(2) != Config.ImageSize || x.Dim(3) != Config.ImageSize)
            throw new ArgumentException($"DCGAN discriminator: expects images [N,{Config.InputChannels},{Config.ImageSize},{Config.ImageSize}], got {Tensor.Format(x.Dims)}.");
        return _main.Forward(x);
    }
}
