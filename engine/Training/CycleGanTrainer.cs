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
        uint seed = (uint)options.Seed;
        Pools["A"] = new ImagePool(options.EffectivePoolSize, seed ^ 0xA11CEu);
        Pools["B"] = new ImagePool(options.EffectivePoolSize, seed ^ 0xB0B0Bu);
    }

    private protected override IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples)
    {
        var gA = Generators[0].Model;
        var gB = Generators[1].Model;
        var dA = Discriminators[0].Model;
        var dB = Discriminators[1].Model;
        var gan = Options.EffectiveGan;
        float la = Options.LambdaA, lb = Options.LambdaB, li = Options.LambdaIdentity;
        int plane = 3 * Options.Size * Options.Size;
        using var tape = new Tape();
        var realA = Tensor.FromArray(Device, batch.A, batch.Shape);
        var realB = Tensor.FromArray(Device, batch.B, batch.Shape);

        // G step, with the discriminators frozen.
        Tensor fakeA, fakeB, lossGA, lossGB, cycleA, cycleB;
        Tensor? idtA = null, idtB = null;
        SetRequiresGrad(dA, false);
        SetRequiresGrad(dB, false);
        try
        {
            fakeB = gA.Forward(realA);
            var recA = gB.Forward(fakeB);
            fakeA = gB.Forward(realB);
            var recB = gA.Forward(fakeA);
            lossGA = GanLoss.Of(gan, dA.Forward(fakeB), real: true, forGenerator: true);
            lossGB = GanLoss.Of(gan, dB.Forward(fakeA), real: true, forGenerator: true);
            cycleA = Scale(L1Loss(recA, realA), la);
            cycleB = Scale(L1Loss(recB, realB), lb);
            var total = Add(Add(lossGA, lossGB), Add(cycleA, cycleB));
            if (li > 0)
            {
                // G_A should leave B-domain images alone and G_B A-domain ones.
                idtA = Scale(L1Loss(gA.Forward(realB), realB), lb * li);
                idtB = Scale(L1Loss(gB.Forward(realA), realA), la * li);
                total = Add(total, Add(idtA, idtB));
            }
            tape.Backward(total);
            StepAndClear(OptimizerG);
        }
        finally
        {
            SetRequiresGrad(dA, true);
            SetRequiresGrad(dB, true);
        }

        // D step on pooled fakes (host copies, so nothing flows back into the generators).
        var hostFakeB = fakeB.ToArray();
        var hostFakeA = fakeA.ToArray();
        var pooledB = Tensor.FromArray(Device, Pools["B"].Query(hostFakeB, plane), batch.Shape);
        var pooledA = Tensor.FromArray(Device, Pools["A"].Query(hostFakeA, plane), batch.Shape);
        var lossDA = Scale(Add(GanLoss.Of(gan, dA.Forward(realB), real: true), GanLoss.Of(gan, dA.Forward(pooledB), real: false)), 0.5f);
        var lossDB = Scale(Add(GanLoss.Of(gan, dB.Forward(realA), real: true), GanLoss.Of(gan, dB.Forward(pooledA), real: false)), 0.5f);
        tape.Backward(Add(lossDA, lossDB));
        StepAndClear(OptimizerD);

        if (samples != null)
        {
            int s = Options.Size;
            samples.Add(new TrainSample(0, "G_A", s, First(batch.A, s), First(hostFakeB, s), First(batch.B, s)));
            samples.Add(new TrainSample(0, "G_B", s, First(batch.B, s), First(hostFakeA, s), First(batch.A, s)));
        }
        return new Dictionary<string, float>
        {
            ["D_A"] = lossDA.Item(), ["G_A"] = lossGA.Item(), ["cycle_A"] = cycleA.Item(), ["idt_A"] = idtA?.Item() ?? 0f,
            ["D_B"] = lossDB.Item(), ["G_B"] = lossGB.Item(), ["cycle_B"] = cycleB.Item(), ["idt_B"] = idtB?.Item() ?? 0f,
        };
    }
}
