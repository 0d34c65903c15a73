using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>forward-ab CASE SWITCH [iters]</c>: one peer case's forward pass (batch 1, no tape), calls alternating between
/// the default paths (A) and the switch's alternative (B); medians of each and B/A.
/// </summary>
public static class ForwardAb
{
    public static void Run(string caseName, string switchName, int iters)
    {
        var flip = AbSwitches.Get(switchName);
        var dev = Device.Cpu;
        var (model, size) = PeerCases.Build(caseName, dev);
        using (model)
        {
            using var x = Tensor.FromArray(dev, PeerCases.Input(size), 1, 3, size, size);
            var times = new[] { new List<double>(), new List<double>() };
            for (int i = 0; i < iters + 2; i++)
                for (int b = 0; b < 2; b++)
                {
                    flip(b == 1);
                    var sw = Stopwatch.StartNew();
                    using (Tape.NoGrad()) model.Forward(x).Dispose();
                    if (i >= 2) times[b].Add(sw.Elapsed.TotalMilliseconds);
                }
            flip(false);
            double a = Median(times[0]), bm = Median(times[1]);
            Console.WriteLine($"{caseName} forward, A/B '{switchName}': A {a:F1} ms, B {bm:F1} ms, B/A {bm / a:F3} (medians of {iters})");
        }
    }

    static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
}
