using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Metrics;

/// <summary>MACs and parameters of a model, with the per-layer table.</summary>
/// <param name="Layers">Every counted op call in execution order.</param>
/// <param name="Params">Trainable parameters of the whole model.</param>
public sealed record MacReport(IReadOnlyList<LayerCost> Layers, long Params)
{
    /// <summary>Total MACs in the torchprofile convention (convolutions, affine norms, LeakyReLU).</summary>
    public long Macs => Layers.Sum(l => l.Macs);

    /// <summary>MACs of the convolutions alone (torchprofile convention).</summary>
    public long ConvMacs => Layers.Where(l => l.Op is "conv2d" or "conv_transpose2d").Sum(l => l.Macs);

    /// <summary>Multiply-adds the convolutions really need (transposed convs counted from their input).</summary>
    public long TrueMacs => Layers.Sum(l => l.TrueMacs);
}

/// <summary>
/// Counts a model's MACs by running its forward pass once with an <see cref="OpCounter"/> active. Build the model
/// on <see cref="Device.Meta"/> to count without computing (any width, any size, in microseconds); on a real
/// device the forward pass runs for real.
/// </summary>
public static class MacCounter
{
    /// <summary>Counts one forward pass of <paramref name="model"/> on an input of <paramref name="inputShape"/> (NCHW).</summary>
    public static MacReport Count(Module model, params int[] inputShape)
    {
        var device = model.NamedParameters().Select(p => p.Tensor.Device).FirstOrDefault() ?? Device.Meta;
        using var scope = Tape.NoGrad();
        using var counter = new OpCounter();
        var x = Tensor.Zeros(device, inputShape);
        model.Forward(x);
        return new MacReport(counter.Layers.ToList(), model.ParameterCount);
    }
}
