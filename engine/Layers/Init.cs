using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Layers;

/// <summary>
/// Weight initialisation of pytorch-CycleGAN-and-pix2pix (<c>init_type normal</c>, gain 0.02): conv weights
/// N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0. Each tensor draws from its own seed, derived from the
/// model seed and a running counter, so a model is reproducible from one number.
/// </summary>
public sealed class Init(Device device, int seed)
{
    int _counter;

    /// <summary>The device the tensors are created on.</summary>
    public Device Device { get; } = device;

    /// <summary>Normal(mean, std).</summary>
    public Tensor Normal(float mean, float std, params int[] shape) => Tensor.RandomNormal(Device, NextSeed(), mean, std, shape);

    /// <summary>A constant.</summary>
    public Tensor Constant(float value, params int[] shape) => Tensor.Full(Device, value, shape);

    /// <summary>The next per-tensor seed (also used for dropout streams); a pure function of the model seed and the count.</summary>
    public int NextSeed() => (int)(Kernels.RandomHash.Hash((uint)seed, (uint)++_counter) & int.MaxValue);
}
