using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Models.Families.Resnet;
using CoroNetGAN.Engine.Models.Families.Unet;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families;

/// <summary>
/// The registry of generator families: the one list a new family is added to. Lookups by architecture name
/// (<c>resnet9</c>), model-file architecture (<c>ResnetGenerator</c>), model instance or training option. Immutable:
/// thread-safe.
/// </summary>
public static class GeneratorFamilies
{
    /// <summary>Every family, in the order names are listed to users.</summary>
    public static IReadOnlyList<GeneratorFamily> All { get; } = [new ResnetFamily(), new UnetFamily(), new DcganFamily()];

    /// <summary>Every fixed-depth architecture name (e.g. resnet9, resnet6, unet256, ...).</summary>
    public static IReadOnlyList<string> Names { get; } = All.SelectMany(f => f.Names).ToArray();

    /// <summary>The family a name (fixed-depth or generic) belongs to; null when none.</summary>
    public static GeneratorFamily? ByName(string name) =>
        All.FirstOrDefault(f => f.Names.Contains(name, StringComparer.Ordinal) || f.GenericName == name);

    /// <summary>The family whose model file <c>architecture</c> is <paramref name="architecture"/>; null when none.</summary>
    public static GeneratorFamily? ByArchitecture(string architecture) => All.FirstOrDefault(f => f.Architecture == architecture);

    /// <summary>The family of a model; null when it is no generator (a discriminator).</summary>
    public static GeneratorFamily? Find(Module model) => All.FirstOrDefault(f => f.Owns(model));

    /// <summary>The family of a generator.</summary>
    /// <exception cref="ArgumentException">The model is no generator of a known family.</exception>
    public static GeneratorFamily Of(Module model) => Find(model)
        ?? throw new ArgumentException($"not a generator: {model.GetType().Name} (generator families: {string.Join(", ", All.Select(f => f.Architecture))}).");

    /// <summary>The family a training option trains.</summary>
    public static GeneratorFamily For(GeneratorArch arch) => All.First(f => f.TrainArchs.Contains(arch));
}
