using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN;

/// <summary>
/// The reference architectures by name (<c>resnet9</c>, <c>resnet6</c>, <c>unet256</c>, <c>unet128</c>,
/// <c>unet64</c>, <c>patchgan</c>) and their MAC and parameter counts. Thread-safe.
/// </summary>
public static class Architectures
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["resnet9", "resnet6", "unet256", "unet128", "unet64", "patchgan"];

    /// <summary>The input size an architecture is meant for (the U-Nets need multiples of it).</summary>
    public static int NativeSize(string arch) => Normalize(arch) switch
    {
        "unet128" => 128,
        "unet64" => 64,
        _ => 256,
    };

    /// <summary>
    /// Builds an architecture with the reference defaults: ResNets with instance norm (CycleGAN), U-Nets with
    /// batch norm and dropout (pix2pix), PatchGAN with instance norm and 3 input channels (CycleGAN's; pix2pix
    /// uses 6 and batch norm). <paramref name="width"/> is ngf (ndf for the discriminator).
    /// </summary>
    public static Module Create(string arch, Device device, int width = 64, NormKind? norm = null, int? inputChannels = null,
        IReadOnlyList<int>? widths = null, int seed = 0)
    {
        string a = Normalize(arch);
        return a switch
        {
            "resnet9" or "resnet6" => new ResnetGenerator(new ResnetGeneratorConfig(InputChannels: inputChannels ?? 3, Ngf: width,
                Blocks: a == "resnet9" ? 9 : 6, Norm: norm ?? NormKind.Instance, Widths: widths), device, seed),
            "unet256" or "unet128" or "unet64" => new UnetGenerator(new UnetGeneratorConfig(InputChannels: inputChannels ?? 3,
                NumDowns: (int)Math.Log2(NativeSize(a)), Ngf: width, Norm: norm ?? NormKind.Batch, Widths: widths), device, seed),
            _ => widths == null
                ? new PatchGanDiscriminator(new PatchGanConfig(InputChannels: inputChannels ?? 3, Ndf: width, Norm: norm ?? NormKind.Instance), device, seed)
                : throw new ArgumentException("patchgan: per-layer widths are not supported for the discriminator."),
        };
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
        if (a.StartsWith("unet", StringComparison.Ordinal) && size % NativeSize(a) != 0)
        {
            int n = (int)Math.Log2(NativeSize(a));
            string hint = size is 64 or 128 or 256 ? $"; for {size}-pixel input use unet{size}" : "";
            throw new ArgumentException($"{a} halves its input {n} times, so the size must be a multiple of {NativeSize(a)}, got {size}{hint}.");
        }
        using var model = Create(a, Device.Meta, width, norm, inputChannels, widths);
        int channels = inputChannels ?? 3;
        return MacCounter.Count(model, 1, channels, size, size);
    }

    static string Normalize(string arch)
    {
        string a = arch.Trim().ToLowerInvariant().Replace("_", "").Replace("-", "");
        a = a switch { "resnet9blocks" => "resnet9", "resnet6blocks" => "resnet6", "nlayer" or "basic" => "patchgan", _ => a };
        if (!Names.Contains(a))
            throw new ArgumentException($"Unknown architecture '{arch}'. Known: {string.Join(", ", Names)}.");
        return a;
    }
}
