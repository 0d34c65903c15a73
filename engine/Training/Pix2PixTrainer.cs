using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;
using static CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// Pix2pix (pix2pix_model.py): G maps A to B; the conditional PatchGAN D sees cat(A, B) (6 channels). Each step
/// updates D on (real + fake) / 2 with the fake detached, then G on GAN + lambda_L1 * L1(G(A), B). Not thread-safe.
/// </summary>
public sealed class Pix2PixTrainer : Trainer
{
    internal Pix2PixTrainer(TrainOptions options, IImageDataset train, IImageDataset? test, Device device)
        : base(options, train, test, device, ["G"], ["D"]) { }

    private protected override IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples)
    {
        var g = Generators[0].Model;
        var d = Discriminators[0].Model;
        var gan = Options.EffectiveGan;
        using var tape = new Tape();
        var realA = Tensor.FromArray(Device, batch.A, batch.Shape);
        var realB = Tensor.FromArray(Device, batch.B, batch.Shape);
        var fakeB = g.Forward(realA);

        // D step: the fake is a copy, so no gradient reaches G.
        var lossDFake = GanLoss.Of(gan, d.Forward(Concat(realA, fakeB.Clone())), real: false);
        var lossDReal = GanLoss.Of(gan, d.Forward(Concat(realA, realB)), real: true);
        tape.Backward(Scale(Add(lossDFake, lossDReal), 0.5f));
        StepAndClear(OptimizerD);

        // G step through the just-updated D, whose parameters collect no gradient meanwhile.
        SetRequiresGrad(d, false);
        try
        {
            var lossGan = GanLoss.Of(gan, d.Forward(Concat(realA, fakeB)), real: true, forGenerator: true);
            var lossL1 = L1Loss(fakeB, realB);
            tape.Backward(Add(lossGan, Scale(lossL1, Options.LambdaL1)));
            StepAndClear(OptimizerG);
            samples?.Add(new TrainSample(0, "G", Options.Size, First(batch.A, Options.Size), First(fakeB.ToArray(), Options.Size), First(batch.B, Options.Size)));
            return new Dictionary<string, float>
            {
                ["G_GAN"] = lossGan.Item(), ["G_L1"] = lossL1.Item(), ["D_real"] = lossDReal.Item(), ["D_fake"] = lossDFake.Item(),
            };
        }
        finally { SetRequiresGrad(d, true); }
    }
}
