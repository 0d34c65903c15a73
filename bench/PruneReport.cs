using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>prune-report [ngf] [size] [budget]</c>: one training step (L1 to a random target, backward, Adam) of the plain
/// ResNet-9 generator against the hypernetwork one, and budget-limited searches to MAC ratios 0.1 and 0.05 on random
/// data, reporting the compact generators' MACs and parameters.
/// </summary>
public static class PruneReport
{
    public static void Run(int ngf, int size, int budget)
    {
        var dev = Device.Cpu;
        var x = Tensor.RandomUniform(dev, 1, -1f, 1f, 1, 3, size, size);
        var target = Tensor.RandomUniform(dev, 2, -1f, 1f, 1, 3, size, size);
        Console.WriteLine($"ResNet-9, ngf {ngf}, {size}x{size}, batch 1, {dev.Info.Description}");
        using (var plain = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf), dev, 1))
            Console.WriteLine($"plain step: {StepTime(plain, x, target, null):F0} ms (median of 5), {plain.ParameterCount:N0} parameters");
        foreach (double ratio in new[] { 0.1, 0.05 })
        {
            using var hyper = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf), dev, 1, new HyperOptions());
            var search = new PruningSearch(hyper, new SearchSettings(TargetRatio: ratio, Lambda: 0.1f, CheckEvery: Math.Max(1, budget / 4),
                StepBudget: budget, ImageSize: 256));
            search.Log += line => Console.WriteLine("  " + line);
            if (ratio == 0.1)
                Console.WriteLine($"hyper step: {StepTime(hyper, x, target, search):F0} ms (median of 5, proximal step included), {hyper.ParameterCount:N0} parameters");
            using var parameters = hyper.Parameters();
            using var adam = new Adam(parameters);
            var sw = Stopwatch.StartNew();
            while (search.State == SearchState.Searching)
            {
                using (var tape = new Tape()) tape.Backward(Ops.L1Loss(hyper.Forward(x), target));
                adam.Step();
                adam.ZeroGrad();
                search.AfterStep(adam.LearningRate);
            }
            using var compact = search.Extract();
            var r = MacCounter.Count(compact, 1, 3, 256, 256);
            Console.WriteLine($"target {ratio:P0}: {search.State} after {search.Step} steps ({sw.Elapsed.TotalSeconds:F0} s); compact " +
                $"{r.Macs:N0} MACs ({(double)r.Macs / search.FullMacs:P2} of {search.FullMacs:N0}), {r.Params:N0} parameters, " +
                $"widths [{string.Join(",", ((ResnetGenerator)compact).Widths)}]");
        }
    }

    static double StepTime(Module g, Tensor x, Tensor target, PruningSearch? search)
    {
        using var parameters = g.Parameters();
        using var adam = new Adam(parameters);
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var tape = new Tape()) tape.Backward(Ops.L1Loss(g.Forward(x), target));
            adam.Step();
            adam.ZeroGrad();
            search?.AfterStep(adam.LearningRate);
            if (i > 1) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
