using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN;

/// <summary>What the API needs to know about a loaded model of one of the three reference families.</summary>
internal static class ModelShapes
{
    /// <summary>Image channels the model reads.</summary>
    public static int InputChannels(Module model) => model switch
    {
        ResnetGenerator r => r.Config.InputChannels,
        UnetGenerator u => u.Config.InputChannels,
        PatchGanDiscriminator d => d.Config.InputChannels,
        _ => 3,
    };

    /// <summary>Per-layer widths of a generator; null for a discriminator.</summary>
    public static IReadOnlyList<int>? Widths(Module model) => model switch
    {
        ResnetGenerator r => r.Widths,
        UnetGenerator u => u.Widths,
        _ => null,
    };

    /// <summary>The same configuration on the shapes-only meta device (to count MACs without a real forward pass).</summary>
    public static Module OnMeta(Module model) => model switch
    {
        ResnetGenerator r => new ResnetGenerator(r.Config, Device.Meta),
        UnetGenerator u => new UnetGenerator(u.Config, Device.Meta),
        PatchGanDiscriminator d => new PatchGanDiscriminator(d.Config, Device.Meta),
        _ => throw new ArgumentException($"cannot count MACs of a {model.GetType().Name}."),
    };
}
