using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models.Families;

namespace CoroNetGAN;

/// <summary>One layer of a saved model, its full-width configuration against its own (compact) widths.</summary>
/// <param name="Layer">The module's path, PyTorch's state_dict prefix (e.g. <c>model.model.1.model.3.model.2</c>).</param>
/// <param name="Op">What the layer computes: conv2d, conv_transpose2d, batch_norm, instance_norm, leaky_relu.</param>
/// <param name="FullWidth">Output channels in the full-width model.</param>
/// <param name="Width">Output channels in this model.</param>
/// <param name="FullMacs">MACs of the layer in the full-width model (torchprofile convention).</param>
/// <param name="Macs">MACs of the layer in this model.</param>
/// <param name="FullParams">Parameters of the layer in the full-width model.</param>
/// <param name="Params">Parameters of the layer in this model.</param>
public sealed record LayerWidth(string Layer, string Op, int FullWidth, int Width, long FullMacs, long Macs, long FullParams, long Params);

/// <summary>The per-layer table of a saved model (what <c>coronetgan info</c> prints). Thread-safe.</summary>
public static class ModelLayers
{
    /// <summary>
    /// Reads a model file onto the shapes-only meta device and counts it and its full-width configuration (the same
    /// architecture and ngf with no pruned widths) at <paramref name="size"/> pixels, layer by layer. Layers that cost
    /// nothing in either (non-affine norms) are left out. A discriminator or an unpruned generator is its own full model.
    /// </summary>
    public static IReadOnlyList<LayerWidth> Read(string path, int size = 256)
    {
        using var model = Interchange.LoadModel(path, Device.Meta);
        using var full = FullWidth(model);
        var mine = Group(MacCounter.Count(model, ModelShapes.MacInput(model, size)));
        var theirs = Group(MacCounter.Count(full, ModelShapes.MacInput(full, size))).ToDictionary(l => l.Layer, StringComparer.Ordinal);
        var rows = new List<LayerWidth>();
        foreach (var l in mine)
        {
            var f = theirs.GetValueOrDefault(l.Layer) ?? l;
            if (l.Macs == 0 && l.Params == 0 && f.Macs == 0 && f.Params == 0) continue;
            rows.Add(new LayerWidth(l.Layer, l.Op, f.OutChannels, l.OutChannels, f.Macs, l.Macs, f.Params, l.Params));
        }
        return rows;
    }

    /// <summary>One row per module path, in execution order (a module that ran several ops is summed).</summary>
    static List<LayerCost> Group(MacReport report) => report.Layers
        .GroupBy(l => l.Layer, StringComparer.Ordinal)
        .Select(g => g.First() with { Macs = g.Sum(l => l.Macs), TrueMacs = g.Sum(l => l.TrueMacs), Params = g.Sum(l => l.Params) })
        .ToList();

    static Module FullWidth(Module model) =>
        GeneratorFamilies.Find(model)?.FullWidth(model, Device.Meta) ?? ModelShapes.OnMeta(model);
}
