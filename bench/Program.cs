using System.Diagnostics;
using BenchmarkDotNet.Running;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// BenchmarkDotNet entry point. <c>quick [device]</c> instead prints a Stopwatch median of the conv benchmark,
/// for a fast look while developing (use the BenchmarkDotNet run for numbers you report).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "quick-models")
        {
            // Stopwatch medians of both generators, the new CPU paths and the old ones alternating in this process.
            var g = new GeneratorBenchmarks { Backend = args.Length > 1 ? args[1] : "cpu" };
            var gOld = new GeneratorBenchmarks { Backend = g.Backend, NewCpuPaths = false };
            g.Setup();
            gOld.Setup();
            int n = args.Length > 2 ? int.Parse(args[2]) : 5;
            Compare("resnet9", g.Resnet9, gOld.Resnet9, 2 * 49_551_507_456L, n);
            Compare("unet256", g.Unet256, gOld.Unet256, 2 * 6_048_186_368L, n);
            g.Cleanup();
            gOld.Cleanup();
            return;
        }
        if (args.Length > 0 && args[0] == "conv-bench")
        {
            // ConvBenchmarks' forward and backward with the new CPU paths and the old alternately (medians, wall and CPU).
            var cb = new ConvBenchmarks();
            var cbOld = new ConvBenchmarks { NewCpuPaths = false };
            cb.Setup();
            cbOld.Setup();
            int n = args.Length > 1 ? int.Parse(args[1]) : 9;
            Compare("conv3x3 256 64x64 forward ", cb.Forward, cbOld.Forward, 2 * ConvBenchmarks.Macs, n);
            Compare("conv3x3 256 64x64 backward", cb.Backward, cbOld.Backward, 4 * ConvBenchmarks.Macs, n);
            cb.Cleanup();
            cbOld.Cleanup();
            return;
        }
        if (args.Length > 0 && args[0] == "train-step")
        {
            // One ResNet-9 ngf64 256x256 training step (forward, L1 to a random target, backward, Adam), new CPU paths
            // and old alternately.
            using var oldDev = Device.Create("cpu", AbSwitches.Paths(false));
            Action Step(Device dev)
            {
                var gen = new CoroNetGAN.Engine.Models.ResnetGenerator(new CoroNetGAN.Engine.Models.ResnetGeneratorConfig(), dev, 1);
                var x = Tensor.RandomUniform(dev, 3, -1f, 1f, 1, 3, 256, 256);
                var target = Tensor.RandomUniform(dev, 4, -1f, 1f, 1, 3, 256, 256);
                var adam = new CoroNetGAN.Engine.Optim.Adam(gen.Parameters());
                return () =>
                {
                    using (var tape = new Tape()) tape.Backward(Ops.L1Loss(gen.Forward(x), target));
                    adam.Step();
                    adam.ZeroGrad();
                };
            }
            Compare("resnet9 train step", Step(Device.Cpu), Step(oldDev), 3 * 2 * 49_551_507_456L, args.Length > 1 ? int.Parse(args[1]) : 5);
            return;
        }
        if (args.Length > 0 && args[0] == "convt-loop")
        {
            var a = args.Skip(1).Select(int.Parse).ToArray();
            WinogradBench.TransposedLoop(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            return;
        }
        if (args.Length > 0 && args[0] == "conv-loop")
        {
            var a = args.Skip(1).Select(int.Parse).ToArray();
            WinogradBench.ConvLoop(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            return;
        }
        if (args.Length > 0 && args[0] == "winograd-loop")
        {
            WinogradBench.Loop(int.Parse(args[1]));
            return;
        }
        if (args.Length > 0 && args[0] == "winograd")
        {
            WinogradBench.Run(args.Length > 1 ? int.Parse(args[1]) : 9, args.Contains("crossover"), args.Contains("errors"));
            return;
        }
        if (args.Length > 0 && args[0] == "peer")
        {
            PeerQuick.Run(args.Length > 1 ? int.Parse(args[1]) : 5, args.Skip(2).ToArray());
            return;
        }
        if (args.Length > 0 && args[0] == "step-times")
        {
            StepTimes.Run(args.Length > 1 ? int.Parse(args[1]) : 5, args.Skip(2).ToArray());
            return;
        }
        if (args.Length > 0 && args[0] == "compact")
        {
            CompactSpeedup.Run(args.Length > 1 ? int.Parse(args[1]) : 5,
                args.Skip(2).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            return;
        }
        if (args.Length > 0 && args[0] == "throughput")
        {
            BatchThroughput.Run(args.Length > 1 ? int.Parse(args[1]) : 5, args.Skip(2).ToArray());
            return;
        }
        if (args.Length > 0 && args[0] == "train-steps")
        {
            // Optional trailing "size N": the image size (default 64, the demo's).
            int sizeAt = Array.IndexOf(args, "size");
            int size = sizeAt > 0 && sizeAt + 1 < args.Length ? int.Parse(args[sizeAt + 1]) : 64;
            // Optional trailing "net NAME": the generator, any name `train --net-g` takes (default: the demo's for the mode).
            int netAt = Array.IndexOf(args, "net");
            GeneratorArch? net = netAt > 0 && netAt + 1 < args.Length
                ? Architectures.TrainArch(args[netAt + 1]) ?? throw new ArgumentException($"train-steps: net must be one of {string.Join(", ", Architectures.TrainNames)}, got '{args[netAt + 1]}'.")
                : null;
            TrainSteps.Run(args.Length > 1 ? int.Parse(args[1]) : 200, args.Length > 2 && args[2] == "search", args.Length > 3 ? args[3] : "cyclegan",
                args.Length > 5 && args[4] == "ab" ? args[5] : null, args.Length > 5 && args[4] == "device" ? args[5] : null, size, net);
            return;
        }
        if (args.Length > 2 && args[0] == "forward-ab")
        {
            ForwardAb.Run(args[1], args[2], args.Length > 3 ? int.Parse(args[3]) : 15);
            return;
        }
        if (args.Length > 0 && args[0] == "par-overhead")
        {
            ParOverhead.Run(args.Length > 1 ? int.Parse(args[1]) : 2000);
            return;
        }
        if (args.Length > 6 && args[0] == "conv-paths")
        {
            ConvPaths.Run(args[1..]);
            return;
        }
        if (args.Length > 0 && args[0] == "step-profile")
        {
            StepProfile.Run(args.Length > 1 ? int.Parse(args[1]) : 20);
            return;
        }
        if (args.Length > 0 && args[0] == "prune-report")
        {
            PruneReport.Run(args.Length > 1 ? int.Parse(args[1]) : 64, args.Length > 2 ? int.Parse(args[2]) : 256, args.Length > 3 ? int.Parse(args[3]) : 20);
            return;
        }
        if (args.Length > 0 && args[0] == "profile-resnet")
        {
            // Per-layer time of one ResNet-9 forward pass (where the time goes, while developing): the new CPU paths
            // and the old ones alternately in this process, medians of wall and process CPU time.
            ProfileResnet(args.Length > 1 ? int.Parse(args[1]) : 5, args.Length > 2 ? args[2] : "resnet9-256");
            return;
        }
        if (args.Length > 3 && args[0] == "kernel-source")
        {
            KernelSource.Run(args[1], args[2], args[3], args.Length > 4 && args[4] == "shared");
            return;
        }
        if (args.Length > 0 && args[0] == "conv-variants")
        {
            ConvVariants.Run(args.Length > 1 ? args[1] : "opencl:0", args.Length > 2 ? int.Parse(args[2]) : 5, args.Skip(3).ToArray());
            return;
        }
        if (args.Length > 0 && args[0] == "quick")
        {
            Quick(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? int.Parse(args[2]) : 10);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    static void ProfileResnet(int reps, string caseName)
    {
        // The new paths on the shared CPU device, the old ones on a device of its own; the same model on each.
        using var oldDev = Device.Create("cpu", AbSwitches.Paths(false));
        var devs = new[] { Device.Cpu, oldDev };
        var built = devs.Select(d => PeerCases.Build(caseName, d)).ToArray();
        int size = built[0].Size;
        var seqs = built.Select(b => (CoroNetGAN.Engine.Layers.Sequential)b.Model.Children[0].Module).ToArray();
        int L = seqs[0].Layers.Count;
        var wall = new List<double>[2, L + 1];
        var cpu = new List<double>[2, L + 1];
        for (int m = 0; m < 2; m++)
            for (int i = 0; i <= L; i++) { wall[m, i] = new(); cpu[m, i] = new(); }
        var inputs = devs.Select(d => Tensor.RandomUniform(d, 3, -1f, 1f, 1, 3, size, size)).ToArray();
        for (int rep = 0; rep <= reps; rep++)
            for (int m = 0; m < 2; m++)
            {
                using var scope = Tape.NoGrad();
                var seq = seqs[m];
                var x0 = inputs[m];
                var x = x0;
                double w0 = 0, c0 = 0;
                for (int i = 0; i < L; i++)
                {
                    double c = WinogradBench.CpuMs();
                    var sw = Stopwatch.StartNew();
                    var next = seq.Layers[i].Forward(x);
                    double t = sw.Elapsed.TotalMilliseconds, ct = WinogradBench.CpuMs() - c;
                    if (x != x0) x.Dispose();
                    x = next;
                    if (rep > 0) { wall[m, i].Add(t); cpu[m, i].Add(ct); }
                    w0 += t; c0 += ct;
                }
                x.Dispose();
                if (rep > 0) { wall[m, L].Add(w0); cpu[m, L].Add(c0); }
            }
        foreach (var t in inputs) t.Dispose();
        foreach (var b in built) b.Model.Dispose();
        static double Med(List<double> v) { var s = v.OrderBy(t => t).ToList(); return s[s.Count / 2]; }
        Console.WriteLine($"{caseName} forward, per layer, median of {reps} (new paths and old alternately; cpu = process CPU ms)");
        Console.WriteLine($"{"",3} {"layer",-16} {"new ms",9} {"old ms",9} {"new cpu",9} {"old cpu",9}");
        for (int i = 0; i <= L; i++)
        {
            string name = i < L ? seqs[0].Layers[i].GetType().Name : "total (sum)";
            Console.WriteLine($"{(i < L ? i.ToString() : ""),3} {name,-16} {Med(wall[0, i]),9:F1} {Med(wall[1, i]),9:F1} {Med(cpu[0, i]),9:F1} {Med(cpu[1, i]),9:F1}");
        }
    }

    static void Quick(string deviceName, int iters)
    {
        var b = new ConvBenchmarks { Backend = deviceName };
        b.Setup();
        Console.WriteLine($"device {deviceName}: {Device.Create(deviceName).Info.Description}, GEMM {AbSwitches.Base.MicroKernel}");
        unsafe
        {
            const int M = 256, N = 4096, K = 2304;
            var a = new float[M * K]; var bm = new float[K * N]; var c = new float[M * N];
            new Random(1).NextBytes(new byte[1]);
            for (int i = 0; i < a.Length; i++) a[i] = (i % 7) * 0.1f;
            for (int i = 0; i < bm.Length; i++) bm[i] = (i % 5) * 0.1f;
            fixed (float* pa = a, pb = bm, pc = c)
            {
                float* fa = pa, fb = pb, fc = pc;
                Report("kernel 6x16 L1 x20000", () => { for (int r = 0; r < 20000; r++) CoroNetGAN.Kernels.Cpu.Gemm.Kernel6x16(256, fa, fb, fc, 16, false); }, 20000L * 2 * 6 * 16 * 256, iters);
                Report("gemm 96x256x256 x100", () => { for (int r = 0; r < 100; r++) CoroNetGAN.Kernels.Cpu.Gemm.Sgemm(AbSwitches.Base, false, false, 96, 256, 256, fa, 256, fb, 256, fc, 256, false); }, 100L * 2 * 96 * 256 * 256, iters);
                Report("gemm NN", () => CoroNetGAN.Kernels.Cpu.Gemm.Sgemm(AbSwitches.Base, false, false, M, N, K, fa, K, fb, N, fc, N, false), 2L * M * N * K, iters);
                Report("gemm TN", () => CoroNetGAN.Kernels.Cpu.Gemm.Sgemm(AbSwitches.Base, true, false, K, N, M, fa, K, fc, N, fb, N, false), 2L * M * N * K, iters);
                Report("gemm NT", () => CoroNetGAN.Kernels.Cpu.Gemm.Sgemm(AbSwitches.Base, false, true, M, K, N, fc, N, fb, N, fa, K, false), 2L * M * N * K, iters);
            }
        }
        Report("forward", b.Forward, 2 * ConvBenchmarks.Macs, iters);
        Report("backward", b.Backward, 4 * ConvBenchmarks.Macs, iters);
        b.Cleanup();
    }

    /// <summary>Medians of the same work with the new CPU paths and with the old ones (two devices), alternating (wall and process CPU time).</summary>
    static void Compare(string name, Action newPaths, Action oldPaths, long flops, int iters)
    {
        var t = new[] { new List<double>(), new List<double>() };
        var c = new[] { new List<double>(), new List<double>() };
        for (int i = -1; i < iters; i++)
            for (int m = 0; m < 2; m++)
            {
                var body = m == 0 ? newPaths : oldPaths;
                double c0 = WinogradBench.CpuMs();
                var sw = Stopwatch.StartNew();
                body();
                if (i >= 0) { t[m].Add(sw.Elapsed.TotalMilliseconds); c[m].Add(WinogradBench.CpuMs() - c0); }
            }
        static double Med(List<double> v) { var s = v.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
        for (int m = 0; m < 2; m++)
            Console.WriteLine($"{name} {(m == 0 ? "new" : "old"),-4} median {Med(t[m]),8:F1} ms  best {t[m].Min(),8:F1} ms  {flops / Med(t[m]) / 1e6,6:F1} GFLOP/s  cpu {Med(c[m]),8:F1} ms");
    }

    static void Report(string name, Action body, long flops, int iters)
    {
        body();
        var times = new List<double>();
        var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        for (int i = 0; i < iters; i++)
        {
            var sw = Stopwatch.StartNew();
            body();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        proc.Refresh();
        double cpuMs = (proc.TotalProcessorTime - cpu0).TotalMilliseconds / iters;
        times.Sort();
        double med = times[times.Count / 2];
        Console.WriteLine($"{name,-9} median {med,8:F2} ms  best {times[0],8:F2} ms  {flops / med / 1e6,7:F1} GFLOP/s (median)  {flops / times[0] / 1e6,7:F1} (best)  {flops / cpuMs / 1e6,6:F1} per CPU-second");
    }
}
