using System.Runtime.CompilerServices;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// The MACs of a run's generators at the options' MAC image size: the full generator's (counted once) and each plain
/// generator's, counted once per model object, because a plain generator's widths, and so its MACs, never change
/// (during the search the MACs come from the search's own checks instead). Not thread-safe.
/// </summary>
internal sealed class MacAccount
{
    readonly TrainOptions _options;
    readonly ConditionalWeakTable<Module, StrongBox<long>> _counted = new();

    /// <summary>Counts the full plain generator of <paramref name="options"/> on the meta device.</summary>
    public MacAccount(TrainOptions options)
    {
        _options = options;
        using var meta = ModelFactory.Generator(options, Device.Meta, 0, hyper: false, widths: null);
        FullMacs = Count(meta);
        Counts++;
        FullParams = meta.ParameterCount;
    }

    /// <summary>MACs of the full generator.</summary>
    public long FullMacs { get; }

    /// <summary>Parameters of the full plain generator.</summary>
    public long FullParams { get; }

    /// <summary>Meta models counted so far (the full one included).</summary>
    public int Counts { get; private set; }

    /// <summary>The image size the MACs are counted at.</summary>
    public int ImageSize => _options.EffectivePrune.MacImageSize;

    /// <summary>MACs of the plain generator <paramref name="model"/>; counted on its first call, remembered after.</summary>
    public long Of(Module model)
    {
        if (_counted.TryGetValue(model, out var known)) return known.Value;
        using var meta = ModelFactory.Generator(_options, Device.Meta, 0, hyper: false, widths: ModelFactory.Widths(model));
        long count = Count(meta);
        Counts++;
        _counted.AddOrUpdate(model, new StrongBox<long>(count));
        return count;
    }

    long Count(Module meta) => MacCounter.Count(meta, ((IPrunableGenerator)meta).InputShape(ImageSize)).Macs;
}
