using System.Diagnostics;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>throughput [iters] [case ...]</c> (issue 19.2): images per second at batch 1, 4 and 16 through the public batch
/// API (<see cref="Generator.Translate(ReadOnlySpan{float}, int, int, int)"/>, weights frozen and packed once at load),
/// the engine's plain forward on the same weights unfrozen (every call packs), and ONNX Runtime on the exported
/// model, calls interleaved in one process. Cases are <see cref="PeerCases"/> names (default resnet9-64, unet128-128).
/// </summary>
public static class BatchThroughput
{
    static readonly int[] Batches = [1, 4, 16];

    public static void Run(int iters, IReadOnlyList<string> cases)
    {
        var dev = Device.Cpu;
        string dir = Path.Combine(Path.GetTempPath(), $"throughput-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine("| case | batch | packed at load (Generator) img/s | unpacked (plain forward) img/s | ONNX Runtime img/s | packed / ORT time | packed / unpacked time | max abs diff |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var name in cases.Count > 0 ? cases : ["resnet9-64", "unet128-128"])
            {
                var (model, size) = PeerCases.Build(name, dev);
                using (model)
                {
                    string path = Path.Combine(dir, name + ".safetensors");
                    Interchange.SaveModel(model, path, size);
                    using var gen = Generator.Load(path, dev, size);
                    foreach (int batch in Batches)
                    {
                        var one = PeerCases.Input(size);
                        var input = new float[batch * one.Length];
                        for (int i = 0; i < batch; i++) one.CopyTo(input, i * one.Length);
                        using var ort = new OnnxRuntimePeer(model, input, size, batch);
                        using var x = Tensor.FromArray(dev, input, batch, 3, size, size);
                        float[] Packed() => gen.Translate(input, batch, size, size);
                        float[] Plain() { using var s = Tape.NoGrad(); return model.Forward(x).ToArray(); }
                        var a = Packed();
                        var b = ort.Run();
                        var c = Plain();
                        if (!a.AsSpan().SequenceEqual(c)) throw new InvalidOperationException($"{name} batch {batch}: packed and unpacked outputs differ.");
                        float diff = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
                        ort.Run();
                        SteadyState.WarmUp(() => Packed(), () => Plain());
                        var tp = new List<double>(); var to = new List<double>(); var tu = new List<double>();
                        int n = Math.Max(3, iters * 4 / (batch + 3));
                        for (int i = 0; i < n; i++)
                        {
                            var sw = Stopwatch.StartNew(); Packed(); tp.Add(sw.Elapsed.TotalSeconds);
                            sw.Restart(); ort.Run(); to.Add(sw.Elapsed.TotalSeconds);
                            sw.Restart(); Plain(); tu.Add(sw.Elapsed.TotalSeconds);
                        }
                        double mp = Median(tp), mo = Median(to), mu = Median(tu);
                        Console.WriteLine($"| {name} | {batch} | {batch / mp:F1} | {batch / mu:F1} | {batch / mo:F1} | {mp / mo:F2} | {mp / mu:F2} | {diff:E1} |");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
