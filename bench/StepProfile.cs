using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>step-profile</c>: wall time of one pix2pix-style training step at the demo's scale (U-Net ngf 16 at 64x64,
/// PatchGAN ndf 64 on 6 channels, batch 1): D step then G step with Adam, the shape of the demo's inner loop.
/// </summary>
public static class StepProfile
{
    public static void Run(int iters)
    {
        var dev = Device.Cpu;
        using var g = new UnetGenerator(new UnetGeneratorConfig(Ngf: 16, NumDowns: 6), dev, 1);
        using var d = new PatchGanDiscriminator(new PatchGanConfig(InputChannels: 6, Ndf: 64, Norm: NormKind.Batch), dev, 2);
        using var gp = g.Parameters();
        using var dp = d.Parameters();
        using var ga = new Adam(gp);
        using var da = new Adam(dp);
        var a = Tensor.RandomUniform(dev, 3, -1f, 1f, 1, 3, 64, 64);
        var b = Tensor.RandomUniform(dev, 4, -1f, 1f, 1, 3, 64, 64);
        var times = new List<double>();
        for (int i = 0; i < iters + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var tape = new Tape())
            {
                var fake = g.Forward(a);
                var real = d.Forward(Ops.Concat(a, b));
                var ones = Tensor.Full(dev, 1f, real.Shape);
                var zeros = Tensor.Full(dev, 0f, real.Shape);
                using (var dt = new Tape())
                {
                    Tensor fakeDetached;
                    using (Tape.NoGrad()) fakeDetached = fake.Clone();
                    dt.Keep(fakeDetached);
                }
                var lossD = Ops.Scale(Ops.Add(Ops.BceWithLogitsLoss(real, ones), Ops.BceWithLogitsLoss(d.Forward(Ops.Concat(a, fake)), zeros)), 0.5f);
                tape.Backward(lossD);
                da.Step(); da.ZeroGrad(); ga.ZeroGrad();
            }
            using (var tape = new Tape())
            {
                var fake = g.Forward(a);
                var pred = d.Forward(Ops.Concat(a, fake));
                var lossG = Ops.Add(Ops.BceWithLogitsLoss(pred, Tensor.Full(dev, 1f, pred.Shape)), Ops.Scale(Ops.L1Loss(fake, b), 100f));
                tape.Backward(lossG);
                ga.Step(); ga.ZeroGrad(); da.ZeroGrad();
            }
            if (i >= 3) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"pix2pix step (U-Net ngf16 64px + PatchGAN ndf64): median {times[times.Count / 2]:F1} ms, best {times[0]:F1} ms over {iters}");
    }
}
