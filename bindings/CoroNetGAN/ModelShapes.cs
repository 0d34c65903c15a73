using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;

namespace CoroNetGAN;

/// <summary>What the API needs to know about a loaded model of a generator family or the PatchGAN.</summary>
internal static class ModelShapes
{
    /// <summary>Image channels the model reads.</summary>
    public static int InputChannels(Module model) => model switch
    {
        PatchGanDiscriminator d => d.Config.InputChannels,
        _ => GeneratorFamilies.Find(model) is { } f ? f.Spec(model).InputChannels : 3,
    };

    /// <summary>The input of one batch item at <paramref name="size"/> pixels (a generator from noise takes [1, nz, 1, 1]).</summary>
    public static int[] MacInput(Module model, int size) =>
        GeneratorFamilies.Find(model)?.InputShape(model, size) ?? [1, InputChannels(model), size, size];

    /// <summary>Per-layer widths of a generator; null for a discriminator.</summary>
    public static IReadOnlyList<int>? Widths(Module model) => GeneratorFamilies.Find(model)?.Widths(model);

    /// <summary>The same configuration on the shapes-only meta device (to count MACs without a real forward pass).</summary>
    public static Module OnMeta(Module model) => model switch
    {
        PatchGanDiscriminator d => new PatchGanDiscriminator(d.Config, Device.Meta),
        _ when GeneratorFamilies.Find(model) is { } f => f.Rebuild(model, Device.Meta),
        _ => throw new ArgumentException($"cannot count MACs of a {model.GetType().Name}."),
    };
}
