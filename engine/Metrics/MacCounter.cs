using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Metrics;

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
