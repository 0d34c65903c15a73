using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Layers;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>torch.nn.InstanceNorm2d (eps 1e-5, no running statistics); <c>weight</c>/<c>bias</c> when affine.</summary>
public sealed class InstanceNorm2d : Module
{
    /// <summary>Creates the layer; affine parameters start at weight 1, bias 0 (PyTorch's reset).</summary>
    public InstanceNorm2d(Init init, int channels, bool affine = false, float eps = 1e-5f)
    {
        Channels = channels;
        Eps = eps;
        if (affine)
        {
            Weight = AddParameter("weight", init.Constant(1f, channels));
            Bias = AddParameter("bias", init.Constant(0f, channels));
        }
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }
    /// <summary>Scale [C], or null.</summary>
    public Tensor? Weight { get; }
    /// <summary>Shift [C], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.InstanceNorm(x, Weight, Bias, Eps);
}

/// <summary>
/// torch.nn.BatchNorm2d (affine, running statistics; momentum 0.1 and eps 1e-5 unless given): <c>weight</c>, <c>bias</c>,
/// <c>running_mean</c>, <c>running_var</c> and the step count <c>num_batches_tracked</c>.
/// </summary>
public sealed class BatchNorm2d : Module
{
    /// <summary>Creates the layer with weight N(1, 0.02) (the reference init), bias 0, running mean 0 and variance 1.</summary>
    public BatchNorm2d(Init init, int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        Channels = channels;
        Eps = eps;
        Momentum = momentum;
        Weight = AddParameter("weight", init.Normal(1f, 0.02f, channels));
        Bias = AddParameter("bias", init.Constant(0f, channels));
        RunningMean = AddBuffer("running_mean", init.Constant(0f, channels));
        RunningVar = AddBuffer("running_var", init.Constant(1f, channels));
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }
    /// <summary>Weight of the batch statistics in the running statistics' update.</summary>
    public float Momentum { get; }
    /// <summary>Scale [C].</summary>
    public Tensor Weight { get; }
    /// <summary>Shift [C].</summary>
    public Tensor Bias { get; }
    /// <summary>Running mean [C].</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running (unbiased) variance [C].</summary>
    public Tensor RunningVar { get; }
    /// <summary>Training-mode forward passes so far (PyTorch's num_batches_tracked).</summary>
    public long NumBatchesTracked { get; set; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (Training) NumBatchesTracked++;
        return Ops.BatchNorm(x, Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps);
    }
}
