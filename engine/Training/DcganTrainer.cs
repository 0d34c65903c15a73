using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Tensors;
using static CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// DCGAN (PyTorch's examples/dcgan, Radford et al. 2015): G maps noise z ~ N(0, 1) of [N, nz, 1, 1] to images; D
/// scores images with one logit. Each step updates D on BCE(D(x), 1) + BCE(D(G(z)), 0) with the fake detached, then G
/// on BCE(D(G(z)), 1) through the just-updated D (the vanilla GAN loss; the example's sum, not pix2pix's half). The real
/// images are the dataset's A side; the noise of a step is a pure function of the seed and the step, so a resumed run
/// draws the same noise. Not thread-safe.
/// </summary>
public sealed class DcganTrainer : Trainer
{
    internal DcganTrainer(TrainOptions options, IImageDataset train, IImageDataset? test, Device device)
        : base(options, train, test, device, ["G"], ["D"]) { }

    /// <inheritdoc/>
    public override IReadOnlyList<string> LossNames { get; } = ["G_GAN", "D_real", "D_fake"];

    /// <summary>The noise [N, nz, 1, 1] of the step <paramref name="step"/> (N = <paramref name="count"/>), from the run's seed.</summary>
    Tensor Noise(long step, int count, uint stream) =>
        Tensor.RandomNormal(Device, RunSeeds.Noise(Options.Seed, step, stream), 0f, 1f,
            count, DcganFamily.DefaultNz, 1, 1);

    /// <summary>
    /// Images from the run's fixed noise (the same <paramref name="count"/> vectors at every step of the run, so a grid
    /// of them shows the generator's progress), in evaluation mode: BatchNorm uses its running statistics and is not
    /// updated. NCHW floats in [-1, 1].
    /// </summary>
    public float[] FixedNoiseImages(int count)
    {
        var g = Generators[0].Model;
        bool training = g.Training;
        g.Eval();
        try
        {
            using var scope = Tape.NoGrad();
            var z = Noise(-1, count, 1);
            return g.Forward(z).ToArray();
        }
        finally { g.Train(training); }
    }

    /// <summary>A generator from noise has no test split to translate (<c>eval</c> scores it by FID against the training images).</summary>
    private protected override TestScores? Evaluate(IImageDataset test) => null;

    private protected override IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples)
    {
        var g = Generators[0].Model;
        var d = Discriminators[0].Model;
        var gan = Options.EffectiveGan;
        using var tape = new Tape(deferFiniteChecks: true);
        var real = Tensor.FromArray(Device, batch.A, batch.Shape);
        var z = Noise(Step, batch.Shape[0], 0);
        var fake = g.Forward(z);

        // D step: the fake is a copy, so no gradient reaches G.
        var predReal = d.Forward(real);
        var lossDReal = GanLoss.Of(gan, predReal, real: true);
        var predFakeD = d.Forward(fake.Clone());
        var lossDFake = GanLoss.Of(gan, predFakeD, real: false);
        var lossD = Add(lossDReal, lossDFake);
        Capture("fake", fake); Capture("pred_real", predReal); Capture("pred_fake_D", predFakeD);
        tape.Backward(lossD);
        StepDiscriminators();

        SetRequiresGrad(d, false);
        try
        {
            var predFakeG = d.Forward(fake);
            var lossGan = GanLoss.Of(gan, predFakeG, real: true, forGenerator: true);
            var distill = Distillation(0, z, fake);
            var lossG = distill == null ? lossGan : Add(lossGan, distill);
            Capture("pred_fake_G", predFakeG);
            tape.Backward(lossG);
            StepGenerators();
            if (samples != null)
            {
                // Input: a real image of the batch; output and target: the first two images of the fixed noise.
                int n = 3 * Options.Size * Options.Size;
                var fixedImages = FixedNoiseImages(2);
                samples.Add(new TrainSample(0, "G", Options.Size, First(batch.A, Options.Size), fixedImages[..n], fixedImages[n..]));
            }
            return ReadLosses(tape, ("G_GAN", lossGan), ("D_real", lossDReal), ("D_fake", lossDFake), ("D", lossD), ("G", lossG), ("G_distill", distill));
        }
        finally { SetRequiresGrad(d, true); }
    }
}
