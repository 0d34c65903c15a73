using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Layers;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>torch.nn.Conv2d with zero padding: <c>weight</c> [out, in, k, k], optional <c>bias</c> [out].</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer with weights N(0, 0.02) and zero bias.</summary>
    public Conv2d(Init init, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true)
    {
        InChannels = inChannels; OutChannels = outChannels; Kernel = kernel; Stride = stride; Padding = padding;
        Weight = AddParameter("weight", init.Normal(0f, 0.02f, outChannels, inChannels, kernel, kernel));
        if (bias) Bias = AddParameter("bias", init.Constant(0f, outChannels));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public int Kernel { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }
    /// <summary>[out, in, k, k].</summary>
    public Tensor Weight { get; }
    /// <summary>[out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding);
}

/// <summary>torch.nn.ConvTranspose2d: <c>weight</c> [in, out, k, k] (PyTorch's layout), optional <c>bias</c> [out].</summary>
public sealed class ConvTranspose2d : Module
{
    /// <summary>Creates the layer with weights N(0, 0.02) and zero bias.</summary>
    public ConvTranspose2d(Init init, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0,
        int outputPadding = 0, bool bias = true)
    {
        InChannels = inChannels; OutChannels = outChannels; Kernel = kernel; Stride = stride; Padding = padding; OutputPadding = outputPadding;
        Weight = AddParameter("weight", init.Normal(0f, 0.02f, inChannels, outChannels, kernel, kernel));
        if (bias) Bias = AddParameter("bias", init.Constant(0f, outChannels));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public int Kernel { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Padding.</summary>
    public int Padding { get; }
    /// <summary>Extra rows/columns on the bottom/right of the output.</summary>
    public int OutputPadding { get; }
    /// <summary>[in, out, k, k].</summary>
    public Tensor Weight { get; }
    /// <summary>[out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding);
}
