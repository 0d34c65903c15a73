using CoroNetGAN.Engine.Tensors;
using static CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Engine.Training;

/// <summary>The adversarial losses of pytorch-CycleGAN-and-pix2pix's GANLoss (and GAN Compression's hinge). Stateless.</summary>
public static class GanLoss
{
    /// <summary>
    /// The loss of discriminator output <paramref name="prediction"/> for the label <paramref name="real"/>. For the hinge
    /// loss the discriminator's terms are mean(relu(1 -+ pred)); the generator's term (<paramref name="forGenerator"/>)
    /// is -mean(pred), as GAN Compression does.
    /// </summary>
    public static Tensor Of(GanMode mode, Tensor prediction, bool real, bool forGenerator = false)
    {
        switch (mode)
        {
            case GanMode.Lsgan:
                return MseLoss(prediction, Tensor.Full(prediction.Device, real ? 1f : 0f, prediction.Dims));
            case GanMode.Vanilla:
                return BceWithLogitsLoss(prediction, Tensor.Full(prediction.Device, real ? 1f : 0f, prediction.Dims));
            case GanMode.Hinge:
                if (forGenerator) return Scale(Mean(prediction), -1f);
                var one = Tensor.Full(prediction.Device, 1f, prediction.Dims);
                return Mean(Relu(Add(one, real ? Scale(prediction, -1f) : prediction)));
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown GAN loss");
        }
    }
}
