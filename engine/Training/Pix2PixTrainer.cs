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

    private protected override bool NeedsPairedData => true;

    /// <inheritdoc/>
    public override IReadOnlyList<string> LossNames { get; } = ["G_GAN", "G_L1", "D_real", "D_fake"];

    private protected override IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples)
    {
        var g = Generators[0].Model;
        var d = Discriminators[0].Model;
        var gan = Options.EffectiveGan;
        using var tape = new Tape(deferFiniteChecks: true);
        var realA = Tensor.FromArray(Device, batch.A, batch.Shape);
        var realB = Tensor.FromArray(Device, batch.B, batch.Shape);
        var fakeB = g.Forward(realA);

        // D step: the fake is a copy, so no gradient reaches G.
        var predFakeD = d.Forward(Concat(realA, fakeB.Clone()));
        var lossDFake = GanLoss.Of(gan, predFakeD, real: false);
        var predReal = d.Forward(Concat(realA, realB));
        var lossDReal = GanLoss.Of(gan, predReal, real: true);
        var lossD = Scale(Add(lossDFake, lossDReal), 0.5f);
        Capture("fake_B", fakeB); Capture("pred_fake_D", predFakeD); Capture("pred_real", predReal);
        tape.Backward(lossD);
        StepDiscriminators();

        // G step through the just-updated D, whose parameters collect no gradient meanwhile.
        SetRequiresGrad(d, false);
        try
        {
            var predFakeG = d.Forward(Concat(realA, fakeB));
            var lossGan = GanLoss.Of(gan, predFakeG, real: true, forGenerator: true);
            // G_L1 as the reference reports it: weighted by lambda_L1.
            var lossL1 = Scale(L1Loss(fakeB, realB), Options.LambdaL1);
            var distill = Distillation(0, realA, fakeB);
            var lossG = Add(lossGan, distill == null ? lossL1 : Add(lossL1, distill));
            Capture("pred_fake_G", predFakeG);
            tape.Backward(lossG);
            StepGenerators();
            samples?.Add(new TrainSample(0, "G", Options.Size, First(batch.A, Options.Size), First(fakeB.ToArray(), Options.Size), First(batch.B, Options.Size)));
            return ReadLosses(tape, ("G_GAN", lossGan), ("G_L1", lossL1), ("D_real", lossDReal), ("D_fake", lossDFake), ("D", lossD), ("G", lossG), ("G_distill", distill));
        }
        finally { SetRequiresGrad(d, true); }
    }
}
