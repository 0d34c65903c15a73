using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;

namespace CoroNetGAN;

/// <summary>
/// The reference architectures by name (<c>resnet9</c>, <c>resnet6</c>, <c>unet256</c>, <c>unet128</c>,
/// <c>unet64</c>, <c>patchgan</c>) and their MAC and parameter counts. Thread-safe.
/// </summary>
public static class Architectures
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. GeneratorFamilies.Names, Discriminator];

    const string Discriminator = "patchgan";

    /// <summary>The input size an architecture is meant for (the U-Nets need multiples of it).</summary>
    public static int NativeSize(string arch) => Normalize(arch) is var a && GeneratorFamilies.ByName(a) is { } f ? f.NativeSize(a) : 256;

    /// <summary>
    /// Builds an architecture with the reference defaults: ResNets with instance norm (CycleGAN), U-Nets with
    /// batch norm and dropout (pix2pix), PatchGAN with instance norm and 3 input channels (CycleGAN's; pix2pix
    /// uses 6 and batch norm). <paramref name="width"/> is ngf (ndf for the discriminator).
    /// </summary>
    public static Module Create(string arch, Device device, int width = 64, NormKind? norm = null, int? inputChannels = null,
        IReadOnlyList<int>? widths = null, int seed = 0)
    {
        string a = Normalize(arch);
        if (GeneratorFamilies.ByName(a) is { } f)
            return f.Build(new GeneratorSpec(inputChannels ?? f.DefaultInputChannels, 3, width, f.DepthOf(a)!.Value, norm ?? f.DefaultNorm, f.DefaultDropout, widths), device, seed);
        return widths == null
            ? new PatchGanDiscriminator(new PatchGanConfig(InputChannels: inputChannels ?? 3, Ndf: width, Norm: norm ?? NormKind.Instance), device, seed)
            : throw new ArgumentException("patchgan: per-layer widths are not supported for the discriminator.");
    }

    /// <summary>The generator names a training run takes (<see cref="TrainArch"/>), e.g. resnet9, resnet6, unet, dcgan.</summary>
    public static IReadOnlyList<string> TrainNames { get; } = GeneratorFamilies.All
        .SelectMany(f => f.TrainArchs.Count == 1 ? [f.GenericName] : f.Names.Where(n => f.TrainArch(n) != null)).ToArray();

    /// <summary>
    /// The <see cref="TrainOptions.NetG"/> a generator name trains (any of <see cref="TrainNames"/>, or a fixed-depth
    /// name of a family that trains one way, e.g. unet128); null when no training option has that name.
    /// </summary>
    public static GeneratorArch? TrainArch(string name)
    {
        string a = name.Trim().ToLowerInvariant();
        return GeneratorFamilies.ByName(a)?.TrainArch(a);
    }

    /// <summary>
    /// Counts MACs (torchprofile convention and true) and parameters for one image of <paramref name="size"/> pixels,
    /// without computing anything (the model runs on the meta device).
    /// </summary>
    public static MacReport CountMacs(string arch, int width = 64, int size = 256, NormKind? norm = null, int? inputChannels = null,
        IReadOnlyList<int>? widths = null)
    {
        string a = Normalize(arch);
        if (size < 1) throw new ArgumentException($"size must be positive, got {size}.");
        if (GeneratorFamilies.ByName(a)?.SizeError(a, size) is { } error) throw new ArgumentException(error);
        using var model = Create(a, Device.Meta, width, norm, inputChannels, widths);
        return MacCounter.Count(model, ModelShapes.MacInput(model, size));
    }

    static string Normalize(string arch)
    {
        string a = arch.Trim().ToLowerInvariant().Replace("_", "").Replace("-", "");
        a = a switch { "resnet9blocks" => "resnet9", "resnet6blocks" => "resnet6", "nlayer" or "basic" => Discriminator, _ => a };
        if (!Names.Contains(a))
            throw new ArgumentException($"Unknown architecture '{arch}'. Known: {string.Join(", ", Names)}.");
        return a;
    }
}
