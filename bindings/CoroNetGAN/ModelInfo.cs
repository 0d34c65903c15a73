using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;

namespace CoroNetGAN;

/// <summary>What a saved model is: its architecture, widths, MACs and parameters.</summary>
/// <param name="Description">Architecture and configuration as stored in the file.</param>
/// <param name="Widths">Per-layer widths of a generator (null for a discriminator).</param>
/// <param name="Size">Input size the MACs were counted at.</param>
/// <param name="Macs">MACs, torchprofile convention.</param>
/// <param name="TrueMacs">True multiply-adds.</param>
/// <param name="Params">Trainable parameters.</param>
public sealed record ModelInfo(string Description, IReadOnlyList<int>? Widths, int Size, long Macs, long TrueMacs, long Params)
{
    /// <summary>
    /// Reads a model file (<see cref="Interchange.SaveModel"/>) onto the shapes-only meta device, so no weights are
    /// materialised, and counts it at <paramref name="size"/> pixels. Thread-safe.
    /// </summary>
    public static ModelInfo Read(string path, int size = 256)
    {
        using var model = Interchange.LoadModel(path, Device.Meta);
        var widths = ModelShapes.Widths(model);
        var report = MacCounter.Count(model, ModelShapes.MacInput(model, size));
        return new ModelInfo(Interchange.Describe(model), widths, size, report.Macs, report.TrueMacs, report.Params);
    }
}
