using System.Diagnostics;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>step-times [iters] [case ...]</c>: one training step of a <see cref="PeerCases"/> model alone (train mode,
/// forward, L1 loss to a random target of the output's shape, backward, Adam), batch 1, on the CPU; the median of
/// <c>iters</c> steps after two warm-up steps. ONNX Runtime does not train, so there is no peer column: the issue's
/// libtorch figures are the yardstick (bench/README.md).
/// </summary>
public static class StepTimes
{
    public static void Run(int iters, IReadOnlyList<string> cases)
    {
        var dev = Device.Cpu;
        Console.WriteLine("| case | training step ms (median) | process CPU ms per step (median) |");
        Console.WriteLine("|---|---:|---:|");
        using var self = Process.GetCurrentProcess();
        foreach (var name in cases)
        {
            var (model, size) = PeerCases.Build(name, dev);
            using (model)
            {
                model.Train();
                using var x = Tensor.FromArray(dev, PeerCases.Input(size), 1, 3, size, size);
                int[] outShape;
                using (Tape.NoGrad()) { using var y = model.Forward(x); outShape = y.Dims.ToArray(); }
                using var target = Tensor.RandomUniform(dev, 4, -1f, 1f, outShape);
                using var adam = new Adam(model.Parameters());
                var times = new List<double>();
                var cpu = new List<double>();
                for (int i = 0; i < iters + 2; i++)
                {
                    self.Refresh();
                    var cpu0 = self.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    using (var tape = new Tape()) tape.Backward(Ops.L1Loss(model.Forward(x), target));
                    adam.Step();
                    adam.ZeroGrad();
                    if (i < 2) continue;
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    self.Refresh();
                    cpu.Add((self.TotalProcessorTime - cpu0).TotalMilliseconds);
                }
                times.Sort();
                cpu.Sort();
                Console.WriteLine($"| {name} | {times[times.Count / 2]:F1} | {cpu[cpu.Count / 2]:F1} |");
            }
        }
    }
}
