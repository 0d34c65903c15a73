using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;
using static CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// CycleGAN (cycle_gan_model.py): G_A maps A to B and G_B maps B to A; D_A judges B-domain images and D_B A-domain
/// ones. Each step updates both generators on GAN + cycle + identity terms, then both discriminators on
/// (real + pooled fake) / 2, with fakes drawn through a 50-image pool. Not thread-safe.
/// </summary>
public sealed class CycleGanTrainer : Trainer
{
    internal CycleGanTrainer(TrainOptions options, IImageDataset train, IImageDataset? test, Device device)
        : base(options, train, test, device, ["G_A", "G_B"], ["D_A", "D_B"])
    {
        Pools["A"] = new ImagePool(options.EffectivePoolSize, RunSeeds.Pool(options.Seed, domainA: true));
        Pools["B"] = new ImagePool(options.EffectivePoolSize, RunSeeds.Pool(options.Seed, domainA: false));
    }

    private protected override string CompactFileName(int index) => index == 0 ? "compact.safetensors" : "compact_BtoA.safetensors";

    /// <inheritdoc/>
    public override IReadOnlyList<string> LossNames { get; } = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"];

    private protected override IReadOnlyList<string> DistillationNames => ["distill_A", "distill_B"];

    private protected override IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples)
    {
        var gA = Generators[0].Model;
        var gB = Generators[1].Model;
        var dA = Discriminators[0].Model;
        var dB = Discriminators[1].Model;
        var gan = Options.EffectiveGan;
        float la = Options.LambdaA, lb = Options.LambdaB, li = Options.LambdaIdentity;
        int plane = ImageIO.Channels * Options.Size * Options.Size;
        using var tape = new Tape(deferFiniteChecks: true);
        var realA = Tensor.FromArray(Device, batch.A, batch.Shape);
        var realB = Tensor.FromArray(Device, batch.B, batch.Shape);

        // G step, with the discriminators frozen.
        Tensor fakeA, fakeB, lossGA, lossGB, cycleA, cycleB, total;
        Tensor? idtA = null, idtB = null, distillA, distillB;
        SetRequiresGrad(dA, false);
        SetRequiresGrad(dB, false);
        try
        {
            fakeB = gA.Forward(realA);
            var recA = gB.Forward(fakeB);
            fakeA = gB.Forward(realB);
            var recB = gA.Forward(fakeA);
            var predGA = dA.Forward(fakeB);
            var predGB = dB.Forward(fakeA);
            lossGA = GanLoss.Of(gan, predGA, real: true, forGenerator: true);
            lossGB = GanLoss.Of(gan, predGB, real: true, forGenerator: true);
            cycleA = Scale(L1Loss(recA, realA), la);
            cycleB = Scale(L1Loss(recB, realB), lb);
            total = Add(Add(lossGA, lossGB), Add(cycleA, cycleB));
            distillA = Distillation(0, realA, fakeB);
            distillB = Distillation(1, realB, fakeA);
            if (distillA != null && distillB != null) total = Add(total, Add(distillA, distillB));
            if (li > 0)
            {
                // G_A should leave B-domain images alone and G_B A-domain ones.
                var sameB = gA.Forward(realB);
                var sameA = gB.Forward(realA);
                idtA = Scale(L1Loss(sameB, realB), lb * li);
                idtB = Scale(L1Loss(sameA, realA), la * li);
                total = Add(total, Add(idtA, idtB));
                Capture("idt_A", sameB);
                Capture("idt_B", sameA);
            }
            Capture("fake_B", fakeB); Capture("rec_A", recA); Capture("fake_A", fakeA); Capture("rec_B", recB);
            Capture("pred_G_A", predGA); Capture("pred_G_B", predGB);
            tape.Backward(total);
            StepGenerators();
        }
        finally
        {
            SetRequiresGrad(dA, true);
            SetRequiresGrad(dB, true);
        }

        // D step on pooled fakes (host copies, read in one go, so nothing flows back into the generators).
        var fakes = HostRead.Flat([fakeB, fakeA]);
        var hostFakeB = fakes[..fakeB.Length];
        var hostFakeA = fakes[fakeB.Length..];
        var pooledB = Tensor.FromArray(Device, Pools["B"].Query(hostFakeB, plane), batch.Shape);
        var pooledA = Tensor.FromArray(Device, Pools["A"].Query(hostFakeA, plane), batch.Shape);
        var predDAReal = dA.Forward(realB);
        var lossDAReal = GanLoss.Of(gan, predDAReal, real: true);
        var lossDAFake = GanLoss.Of(gan, dA.Forward(pooledB), real: false);
        var lossDA = Scale(Add(lossDAReal, lossDAFake), 0.5f);
        var predDBReal = dB.Forward(realA);
        var lossDBReal = GanLoss.Of(gan, predDBReal, real: true);
        var lossDBFake = GanLoss.Of(gan, dB.Forward(pooledA), real: false);
        var lossDB = Scale(Add(lossDBReal, lossDBFake), 0.5f);
        Capture("pred_D_A_real", predDAReal);
        Capture("pred_D_B_real", predDBReal);
        tape.Backward(Add(lossDA, lossDB));
        StepDiscriminators();

        if (samples != null)
        {
            int s = Options.Size;
            samples.Add(new TrainSample(0, "G_A", s, First(batch.A, s), First(hostFakeB, s), First(batch.B, s)));
            samples.Add(new TrainSample(0, "G_B", s, First(batch.B, s), First(hostFakeA, s), First(batch.A, s)));
        }
        return ReadLosses(tape, ("D_A", lossDA), ("G_A", lossGA), ("cycle_A", cycleA), ("idt_A", idtA),
            ("D_B", lossDB), ("G_B", lossGB), ("cycle_B", cycleB), ("idt_B", idtB),
            ("G", total), ("D_A_real", lossDAReal), ("D_A_fake", lossDAFake), ("D_B_real", lossDBReal), ("D_B_fake", lossDBFake), ("distill_A", distillA), ("distill_B", distillB));
    }
}
