using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Tooling;

/// <summary>Result of <see cref="QuickBench.Run"/>: milliseconds per iteration after warm-up.</summary>
/// <param name="Arch">Architecture measured.</param>
/// <param name="Widths">Per-layer widths (null: full width).</param>
/// <param name="Size">Input size.</param>
/// <param name="Device">Device name.</param>
/// <param name="Train">True for a training step (forward, L1 backward, Adam), false for inference.</param>
/// <param name="Iters">Timed iterations.</param>
/// <param name="MedianMs">Median time.</param>
/// <param name="MinMs">Fastest time.</param>
/// <param name="Macs">MACs of one forward pass (torchprofile convention).</param>
public sealed record QuickBenchResult(string Arch, IReadOnlyList<int>? Widths, int Size, string Device, bool Train, int Iters,
    double MedianMs, double MinMs, long Macs);

/// <summary>
/// A quick whole-model timing for users and scripts (median of N after warm-up), not a substitute for the
/// BenchmarkDotNet suites in bench/. Thread-safe; it runs on the calling thread.
/// </summary>
public static class QuickBench
{
    /// <summary>
    /// Times <paramref name="arch"/> at <paramref name="size"/> pixels. <paramref name="widths"/> is either null, a
    /// model file (its architecture and widths are used), a file holding a JSON list of widths, or such a list itself.
    /// </summary>
    public static QuickBenchResult Run(string arch, int ngf, int size, string? widths, bool train, string device, int iters)
    {
        if (iters < 1) throw new ArgumentException($"--iters must be at least 1, got {iters}.");
        using var dev = Devices.Open(device);
        Module model;
        // A model file is recognised by its content (any extension: .safetensors, .coronetgan), a list by its bracket.
        bool isModel = widths != null && WidthsArgument.IsModelFile(widths);
        if (isModel)
            model = Interchange.LoadModel(widths!, dev);
        else
        {
            int[]? w = widths == null ? null : WidthsArgument.ParseList(widths);
            model = Architectures.Create(arch, dev, ngf, widths: w);
        }
        using (model)
        {
            int channels = ModelShapes.InputChannels(model);
            var x = Tensor.RandomUniform(dev, 1, -1f, 1f, 1, channels, size, size);
            using var parameters = model.Parameters();
            using var adam = new Adam(parameters);
            model.Train(train);
            var times = new List<double>();
            void Call()
            {
                if (train)
                {
                    using var tape = new Tape();
                    var y = model.Forward(x);
                    tape.Backward(Ops.Mean(y));
                    adam.Step();
                    adam.ZeroGrad();
                }
                else
                {
                    using var scope = Tape.NoGrad();
                    model.Forward(x);
                }
                dev.Synchronize();
            }
            SteadyState.WarmUp(Call);
            for (int i = 0; i < iters; i++)
            {
                var sw = Stopwatch.StartNew();
                Call();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            var used = ModelShapes.Widths(model);
            // The same configuration rebuilt on the meta device counts MACs without another real forward pass.
            using var meta = ModelShapes.OnMeta(model);
            long macs = Engine.Metrics.MacCounter.Count(meta, 1, channels, size, size).Macs;
            string name = isModel ? model.GetType().Name : arch;
            x.Dispose();
            return new QuickBenchResult(name, used, size, dev.Name, train, iters, times[times.Count / 2], times[0], macs);
        }
    }

}
