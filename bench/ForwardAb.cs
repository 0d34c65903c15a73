using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>forward-ab CASE SWITCH [iters]</c>: one peer case's forward pass (batch 1, no tape) on two CPU devices, A with
/// the default options and B with the switch's (<see cref="AbSwitches"/>), calls alternating; medians of each and B/A.
/// The switch <c>frozen</c> keeps B's options and freezes B's weights instead (<see cref="Device.FreezeWeights"/>:
/// packed once, as <see cref="Generator"/> does at load).
/// </summary>
public static class ForwardAb
{
    public static void Run(string caseName, string switchName, int iters)
    {
        bool frozen = switchName == "frozen";
        var (devA, devB) = frozen ? (Device.Create("cpu", BackendOptions.FromEnvironment()), Device.Create("cpu", BackendOptions.FromEnvironment())) : AbSwitches.Devices(switchName);
        using (devA)
        using (devB)
        {
            var runs = new[] { devA, devB }.Select(dev =>
            {
                var (model, size) = PeerCases.Build(caseName, dev);
                if (frozen && dev == devB) dev.FreezeWeights(model.NamedParameters().Select(p => p.Tensor));
                return (Model: model, Input: Tensor.FromArray(dev, PeerCases.Input(size), 1, 3, size, size));
            }).ToArray();
            try
            {
                var times = new[] { new List<double>(), new List<double>() };
                void Forward(int b) { using (Tape.NoGrad()) runs[b].Model.Forward(runs[b].Input).Dispose(); }
                SteadyState.WarmUp(() => Forward(0), () => Forward(1));
                for (int i = 0; i < iters; i++)
                    for (int b = 0; b < 2; b++)
                    {
                        var sw = Stopwatch.StartNew();
                        Forward(b);
                        times[b].Add(sw.Elapsed.TotalMilliseconds);
                    }
                double a = Median(times[0]), bm = Median(times[1]);
                Console.WriteLine($"{caseName} forward, A/B '{switchName}': A {a:F1} ms, B {bm:F1} ms, B/A {bm / a:F3} (medians of {iters})");
            }
            finally
            {
                if (frozen) devB.ThawWeights(runs[1].Model.NamedParameters().Select(p => p.Tensor));
                foreach (var (model, input) in runs) { input.Dispose(); model.Dispose(); }
            }
        }
    }

    static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
}
