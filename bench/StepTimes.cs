using System.Diagnostics;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>step-times [iters] [case ...]</c>: one training step of a <see cref="PeerCases"/> model alone (train mode,
/// forward, L1 loss to a random target of the output's shape, backward, Adam), batch 1, on the CPU; the median of
/// <c>iters</c> steps after a warm-up to the JIT's steady state (<see cref="SteadyState"/>). ONNX Runtime does not train, so there is no peer column: the issue's
/// libtorch figures are the yardstick (bench/README.md). <c>step-times [iters] ab SWITCH case ...</c> alternates the
/// steps of two copies of the model, one on the default paths (A) and one with the switch (B, <see cref="AbSwitches"/>).
/// </summary>
public static class StepTimes
{
    public static void Run(int iters, IReadOnlyList<string> cases)
    {
        if (cases.Count > 1 && cases[0] == "ab")
        {
            RunAb(iters, cases[1], cases.Skip(2).ToList());
            return;
        }
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
                void Step()
                {
                    using (var tape = new Tape()) tape.Backward(Ops.L1Loss(model.Forward(x), target));
                    adam.Step();
                    adam.ZeroGrad();
                }
                SteadyState.WarmUp(Step);
                for (int i = 0; i < iters; i++)
                {
                    self.Refresh();
                    var cpu0 = self.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    Step();
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

    static void RunAb(int iters, string sw, IReadOnlyList<string> cases)
    {
        var (a, b) = AbSwitches.Devices(sw);
        using (a)
        using (b)
            foreach (var name in cases)
            {
                var devs = new[] { a, b };
                var models = devs.Select(d => PeerCases.Build(name, d).Model).ToArray();
                int size = PeerCases.Build(name, a).Size;
                var xs = devs.Select(d => Tensor.FromArray(d, PeerCases.Input(size), 1, 3, size, size)).ToArray();
                var targets = new Tensor[2];
                var adams = new Adam[2];
                for (int m = 0; m < 2; m++)
                {
                    models[m].Train();
                    int[] shape;
                    using (Tape.NoGrad()) { using var y = models[m].Forward(xs[m]); shape = y.Dims.ToArray(); }
                    targets[m] = Tensor.RandomUniform(devs[m], 4, -1f, 1f, shape);
                    adams[m] = new Adam(models[m].Parameters());
                }
                var times = new[] { new List<double>(), new List<double>() };
                void Step(int m)
                {
                    using (var tape = new Tape()) tape.Backward(Ops.L1Loss(models[m].Forward(xs[m]), targets[m]));
                    adams[m].Step();
                    adams[m].ZeroGrad();
                }
                SteadyState.WarmUp(() => Step(0), () => Step(1));
                for (int i = 0; i < iters; i++)
                    for (int m = 0; m < 2; m++)
                    {
                        var sw0 = Stopwatch.StartNew();
                        Step(m);
                        times[m].Add(sw0.Elapsed.TotalMilliseconds);
                    }
                double ma = Median(times[0]), mb = Median(times[1]);
                Console.WriteLine($"{name} training step, A/B '{sw}': A {ma:F1} ms, B {mb:F1} ms, B/A {mb / ma:F3} (medians of {iters})");
                for (int m = 0; m < 2; m++) { models[m].Dispose(); xs[m].Dispose(); targets[m].Dispose(); }
            }
    }

    static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
