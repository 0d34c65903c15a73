using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>peer [iters] [case ...]</c>: the engine and ONNX Runtime on each <see cref="PeerCases"/> case, runs interleaved
/// (engine, ORT, engine, ...) so both see the same machine load; prints medians, the ratio, the MACs and the largest
/// output difference (the two must compute the same function). With <c>old</c> among the arguments the engine also
/// runs with the CPU paths of issue 6 switched off (<see cref="AbSwitches.OldPaths"/>, on a second CPU device), interleaved too.
/// </summary>
public static class PeerQuick
{
    public static void Run(int iters, IReadOnlyList<string> cases)
    {
        var dev = Device.Cpu;
        bool old = cases.Contains("old");
        using var oldDev = old ? Device.Create("cpu", AbSwitches.Paths(false)) : null;
        cases = cases.Where(c => c != "old").ToList();
        Console.WriteLine($"| case | MACs | CoroNetGAN ms | ONNX Runtime ms | ours / theirs | max abs diff |{(old ? " CoroNetGAN, old paths ms |" : "")}");
        Console.WriteLine($"|---|---:|---:|---:|---:|---:|{(old ? "---:|" : "")}");
        foreach (var name in cases.Count > 0 ? cases : PeerCases.Names)
        {
            var (model, size) = PeerCases.Build(name, dev);
            var oldModel = oldDev is null ? null : PeerCases.Build(name, oldDev).Model;
            using (model)
            using (oldModel)
            {
                var input = PeerCases.Input(size);
                using var ort = new OnnxRuntimePeer(model, input, size);
                using var x = Tensor.FromArray(dev, input, 1, 3, size, size);
                using var xOld = oldDev is null ? null : Tensor.FromArray(oldDev, input, 1, 3, size, size);
                float[] Ours() { using var s = Tape.NoGrad(); return model.Forward(x).ToArray(); }
                float[] OursOld() { using var s = Tape.NoGrad(); return oldModel!.Forward(xOld!).ToArray(); }
                var a = Ours(); var b = ort.Run();
                for (int i = 0; i < 2; i++) ort.Run();
                SteadyState.WarmUp(old ? [() => Ours(), () => OursOld()] : [() => Ours()]);
                float diff = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
                var ours = new List<double>(); var theirs = new List<double>(); var before = new List<double>();
                for (int i = 0; i < iters; i++)
                {
                    var sw = Stopwatch.StartNew(); Ours(); ours.Add(sw.Elapsed.TotalMilliseconds);
                    sw.Restart(); ort.Run(); theirs.Add(sw.Elapsed.TotalMilliseconds);
                    if (!old) continue;
                    sw.Restart(); OursOld(); before.Add(sw.Elapsed.TotalMilliseconds);
                }
                double mo = Median(ours), mt = Median(theirs);
                long macs;
                using (var meta = PeerCases.Build(name, Device.Meta).Model) macs = MacCounter.Count(meta, 1, 3, size, size).Macs;
                Console.WriteLine($"| {name} | {macs / 1e9:F2} G | {mo:F1} | {mt:F1} | {mo / mt:F2} | {diff:E1} |{(old ? $" {Median(before):F1} |" : "")}");
            }
        }
    }

    static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
