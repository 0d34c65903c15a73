using System.Runtime.InteropServices;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>conv-paths C H O K STRIDE PAD [iters]</c>: every CPU path that can compute one conv's forward, input gradient
/// and weight gradient, called in turn (interleaved, so load changes hit all alike), with medians of process CPU time
/// and wall time, and each path's max difference from the first one. For choosing the crossovers of small convs.
/// </summary>
public static unsafe class ConvPaths
{
    public static void Run(string[] a)
    {
        int c = int.Parse(a[0]), h = int.Parse(a[1]), o = int.Parse(a[2]), k = int.Parse(a[3]), s = int.Parse(a[4]), pad = int.Parse(a[5]);
        int iters = a.Length > 6 ? int.Parse(a[6]) : 50;
        var g = ConvGeometry.ForConv(1, c, h, h, o, k, k, s, pad);
        var opt = AbSwitches.Base;
        var gemm = opt with { Winograd = false, ChannelDotConv = false, PixelMajorConv = false };
        Console.WriteLine($"{g}\n{opt.Threads} threads, {iters} interleaved rounds; medians");
        var r = new Random(1);
        float* x = Alloc(g.InputPlane), w = Alloc((long)g.O * g.ColRows), dy = Alloc(g.OutputPlane);
        for (long i = 0; i < g.InputPlane; i++) x[i] = (float)(r.NextDouble() * 2 - 1);
        for (long i = 0; i < (long)g.O * g.ColRows; i++) w[i] = (float)(r.NextDouble() * 0.1 - 0.05);
        for (long i = 0; i < g.OutputPlane; i++) dy[i] = (float)(r.NextDouble() * 2 - 1);
        var cases = new List<(string Name, long Len, Action<IntPtr> Run)>
        {
            ("forward gemm", g.OutputPlane, p => Conv2d.Forward(gemm, x, w, null, (float*)p, g)),
            ("input grad current", g.InputPlane, p => Conv2d.BackwardData(opt, dy, w, (float*)p, g)),
            ("input grad col2im", g.InputPlane, p => Conv2d.BackwardData(gemm with { AdjointAsForward = false }, dy, w, (float*)p, g)),
            ("input grad adjoint gemm", g.InputPlane, p => Conv2d.BackwardDataByAdjoint(gemm, dy, w, (float*)p, g)),
            ("weight grad current", (long)g.O * g.ColRows, p => Conv2d.BackwardWeight(opt, x, dy, (float*)p, g)),
            ("weight grad gemm", (long)g.O * g.ColRows, p => Conv2d.BackwardWeight(opt with { DirectConv = false, ChannelDotConv = false }, x, dy, (float*)p, g)),
        };
        cases.Insert(0, ("forward current", g.OutputPlane, p => Conv2d.Forward(opt, x, w, null, (float*)p, g)));
        // The weights' packed panels kept, as a backend keeps a trusted weight's between two optimizer steps.
        var kept = opt with { Prepacked = new PackedWeights(1L << 28) };
        if (g.O >= PixelMajorConv.MinOutputChannels)
        {
            cases.Insert(1, ("forward pixel-major", g.OutputPlane, p => PixelMajorConv.Forward(opt, x, w, null, (float*)p, g)));
            cases.Insert(2, ("forward pixel-major kept", g.OutputPlane, p => { using (kept.Prepacked!.Trust(w, 1)) PixelMajorConv.Forward(kept, x, w, null, (float*)p, g); }));
            var frozen = opt with { Prepacked = new PackedWeights() };
            frozen.Prepacked!.Freeze(w, (long)g.O * g.ColRows);
            cases.Add(("input grad pixel-major frozen", g.InputPlane, p => PixelMajorConv.BackwardData(frozen, dy, w, (float*)p, g)));
        }
        if (g.O <= ChannelDotConv.MaxOutputChannels)
        {
            cases.Insert(1, ("forward channel dot", g.OutputPlane, p => ChannelDotConv.Forward(opt, x, w, null, (float*)p, g)));
            cases.Insert(2, ("forward no channel dot", g.OutputPlane, p => Conv2d.Forward(opt with { ChannelDotConv = false }, x, w, null, (float*)p, g)));
            cases.Add(("weight grad no channel dot", (long)g.O * g.ColRows, p => Conv2d.BackwardWeight(opt with { ChannelDotConv = false }, x, dy, (float*)p, g)));
        }
        if (g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0)
            cases.Insert(1, ("forward direct", g.OutputPlane, p => DirectConv.Forward(opt, x, w, null, (float*)p, g)));
        if (WinogradConv.Supported(g))
        {
            cases.Insert(1, ("forward winograd", g.OutputPlane, p => WinogradConv.Forward(opt, x, w, null, (float*)p, g)));
            cases.Insert(2, ("forward winograd 1-row", g.OutputPlane, p => WinogradConv.Forward(opt with { WinogradPairRows = false }, x, w, null, (float*)p, g)));
            cases.Insert(3, ("input grad winograd", g.InputPlane, p => WinogradConv.BackwardData(opt, dy, w, (float*)p, g)));
        }
        var outs = cases.Select(cs => (IntPtr)Alloc(cs.Len)).ToArray();
        var cpu = cases.Select(_ => new List<double>()).ToArray();
        var wall = cases.Select(_ => new List<double>()).ToArray();
        for (int it = 0; it < iters + 3; it++)
            for (int i = 0; i < cases.Count; i++)
            {
                double c0 = WinogradBench.CpuMs(), w0 = Environment.TickCount64;
                var t = System.Diagnostics.Stopwatch.StartNew();
                cases[i].Run(outs[i]);
                if (it >= 3) { cpu[i].Add(WinogradBench.CpuMs() - c0); wall[i].Add(t.Elapsed.TotalMilliseconds); }
            }
        if (WinogradConv.Supported(g)) WinogradPhases(opt, x, w, dy, g, iters);
        for (int i = 0; i < cases.Count; i++)
        {
            int first = cases.FindIndex(cs => cs.Name.Split(' ')[0] == cases[i].Name.Split(' ')[0]);
            double diff = 0, mx = 0;
            float* oi = (float*)outs[i], of = (float*)outs[first];
            for (long j = 0; j < cases[i].Len; j++) { diff = Math.Max(diff, Math.Abs(oi[j] - of[j])); mx = Math.Max(mx, Math.Abs(of[j])); }
            double wm = Med(wall[i]);
            Console.WriteLine($"{cases[i].Name,-26} cpu {Med(cpu[i]),8:F3} ms  wall {wm,8:F3} ms  {2.0 * g.Macs / wm / 1e6,6:F1} GFLOP/s  max diff {diff / Math.Max(mx, 1e-30):E1}");
        }
    }

    /// <summary>Wall time of each Winograd phase (weights, input transform, GEMMs, output transform), forward and input gradient.</summary>
    static void WinogradPhases(CpuKernelOptions options, float* x, float* w, float* dy, ConvGeometry g, int iters)
    {
        float* y = Alloc(g.OutputPlane), dx = Alloc(g.InputPlane);
        foreach (bool adjoint in new[] { false, true })
        {
            var phases = new WinogradPhases();
            var o = options with { WinogradProfile = phases };
            for (int i = 0; i < iters; i++)
            {
                if (adjoint) WinogradConv.BackwardData(o, dy, w, dx, g);
                else WinogradConv.Forward(o, x, w, null, y, g);
            }
            var ph = phases.Ms.Select(t => t / iters).ToArray();
            Console.WriteLine($"winograd {(adjoint ? "input grad" : "forward   ")} phases: weights {ph[0]:F3}  input {ph[1]:F3}  gemms {ph[2]:F3}  output {ph[3]:F3} ms (mean)");
        }
        NativeMemory.AlignedFree(y);
        NativeMemory.AlignedFree(dx);
    }

    static double Med(List<double> v) { v.Sort(); return v[v.Count / 2]; }
    static float* Alloc(long n) => (float*)NativeMemory.AlignedAlloc((nuint)(n * 4), 64);
}
