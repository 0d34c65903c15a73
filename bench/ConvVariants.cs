using System.Diagnostics;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Kernels;
using ILGPU;
using ILGPU.Runtime;
using Device = CoroNetGAN.Device;
using V = ILGPU.ArrayView<float>;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>conv-variants DEVICE [ITERS] [SETTINGS...]</c>: the ILGPU conv kernels on one ILGPU device, in one process,
/// on the conv benchmark's shape (3x3, 256 -> 256 channels, 1x256x64x64, pad 1): the pre-tiling kernels
/// (<see cref="BaselineConvKernels"/>) and the backend under each settings string (<see cref="IlgpuConvSettings.Parse"/>;
/// the device's defaults when none is given), each pass timed alone. Rounds interleave the variants, so load
/// from other processes falls on all of them alike. Prints median and best ms, GFLOP/s and GFLOP per CPU-second
/// per pass, and each variant's largest difference from the baseline.
/// Optional environment: CORONETGAN_BENCH_CONV="n c h w o k stride pad" for another shape.
/// </summary>
public static class ConvVariants
{
    public static void Run(string deviceName, int iters, string[] settings)
    {
        var shape = (Environment.GetEnvironmentVariable("CORONETGAN_BENCH_CONV") ?? "1 256 64 64 256 3 1 1")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var g = ConvGeometry.ForConv(shape[0], shape[1], shape[2], shape[3], shape[4], shape[5], shape[5], shape[6], shape[7]);
        using var device = Device.Create(deviceName);
        if (device.Backend is not IlgpuBackend be) throw new ArgumentException($"{deviceName} is not an ILGPU device.");
        var acc = be.Accelerator;
        var defaults = be.ConvSettings;
        Console.WriteLine($"device {deviceName}: {device.Info.Description}; conv N={g.N} C={g.C} {g.H}x{g.W} -> O={g.O} k{g.KH} s{g.StrideH} p{g.PadH}, {2.0 * g.Macs / 1e9:F2} GFLOP per pass; default settings: {defaults}");

        var r = new Random(1);
        float[] Rand(int n, float scale) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1) * scale; return a; }
        DeviceStorage Up(float[] a) { var s = be.Allocate(a.Length); be.Upload(a, s); return s; }
        var x = Up(Rand(g.N * g.InputPlane, 1f));
        var w = Up(Rand(g.O * g.ColRows, 0.05f));
        var b = Up(Rand(g.O, 0.05f));
        var dy = Up(Rand(g.N * g.OutputPlane, 1f));
        var y = be.Allocate(g.N * g.OutputPlane);
        var dx = be.Allocate(g.N * g.InputPlane);
        var dw = be.Allocate(g.O * g.ColRows);
        V Vw(DeviceStorage s) => ((IlgpuStorage)s).View;

        // The baseline kernels, launched the way the backend launched them before.
        int maxLaunch = Math.Max(1, acc.MaxNumThreads) * 2;
        var fwd = acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, V, ConvGeometry, int, int, int>(BaselineConvKernels.Forward);
        var bwdData = acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, ConvGeometry, int, int>(BaselineConvKernels.BackwardData);
        var bwdWeight = acc.LoadAutoGroupedStreamKernel<Index1D, V, V, V, ConvGeometry, int, int>(BaselineConvKernels.BackwardWeight);
        var variants = new List<(string Name, Action Forward, Action Data, Action Weight)>
        {
            ("baseline (1 pixel x 4 channels per work-item)",
                () => { int n = BaselineConvKernels.ForwardItems(g), t = Math.Min(n, maxLaunch); fwd(t, Vw(x), Vw(w), Vw(b), Vw(y), g, 1, n, t); },
                () => { int n = BaselineConvKernels.BackwardDataItems(g), t = Math.Min(n, maxLaunch); bwdData(t, Vw(dy), Vw(w), Vw(dx), g, n, t); },
                () => { int n = g.O * g.ColRows, t = Math.Min(n, maxLaunch); bwdWeight(t, Vw(x), Vw(dy), Vw(dw), g, n, t); }),
        };
        foreach (var text in settings.Length == 0 ? [defaults.Format()] : settings)
        {
            var s = IlgpuConvSettings.Parse(text, defaults);
            variants.Add((s.Format(),
                () => { be.ConvSettings = s; be.Conv2dForward(x, w, b, y, g); },
                () => { be.ConvSettings = s; be.Conv2dBackwardData(dy, w, dx, g); },
                () => { be.ConvSettings = s; be.Conv2dBackwardWeight(x, dy, dw, g); }));
        }

        // Warm-up (compiles every kernel) and agreement with the baseline.
        float[]? refY = null, refDx = null, refDw = null;
        foreach (var v in variants)
        {
            var sw = Stopwatch.StartNew();
            v.Forward(); v.Data(); v.Weight();
            be.Synchronize();
            var (yy, dxx, dww) = (Down(be, y), Down(be, dx), Down(be, dw));
            string diff = refY is null ? "reference" :
                $"max |diff| vs baseline: y {MaxDiff(refY, yy):E1}, dx {MaxDiff(refDx!, dxx):E1}, dw {MaxDiff(refDw!, dww):E1} (largest |y| {refY.Max(Math.Abs):F2}, |dx| {refDx!.Max(Math.Abs):F2}, |dw| {refDw!.Max(Math.Abs):F2})";
            refY ??= yy; refDx ??= dxx; refDw ??= dww;
            Console.WriteLine($"  warm-up {sw.Elapsed.TotalSeconds,6:F1} s  {v.Name}: {diff}");
        }

        var proc = Process.GetCurrentProcess();
        var times = variants.Select(_ => new List<double>[] { new(), new(), new() }).ToArray();
        var cpu = new double[variants.Count, 3];
        for (int it = 0; it < iters; it++)
            for (int vi = 0; vi < variants.Count; vi++)
            {
                var passes = new[] { variants[vi].Forward, variants[vi].Data, variants[vi].Weight };
                for (int p = 0; p < 3; p++)
                {
                    proc.Refresh();
                    var c0 = proc.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    passes[p]();
                    be.Synchronize();
                    times[vi][p].Add(sw.Elapsed.TotalMilliseconds);
                    proc.Refresh();
                    cpu[vi, p] += (proc.TotalProcessorTime - c0).TotalMilliseconds;
                }
            }
        double flops = 2.0 * g.Macs;
        string[] names = ["forward", "backward data", "backward weight"];
        for (int vi = 0; vi < variants.Count; vi++)
        {
            Console.WriteLine(variants[vi].Name);
            var med = new double[3];
            var cpuMs = new double[3];
            for (int p = 0; p < 3; p++)
            {
                var t = times[vi][p].OrderBy(v => v).ToList();
                med[p] = t[t.Count / 2];
                cpuMs[p] = cpu[vi, p] / iters;
                Console.WriteLine($"  {names[p],-16} median {med[p],9:F1} ms  best {t[0],9:F1} ms  {flops / med[p] / 1e6,6:F1} GFLOP/s  {flops / cpuMs[p] / 1e6,6:F1} per CPU-second");
            }
            double bm = med[1] + med[2], bc = cpuMs[1] + cpuMs[2];
            Console.WriteLine($"  {"backward (both)",-16} median {bm,9:F1} ms  {"",17}{2 * flops / bm / 1e6,6:F1} GFLOP/s  {2 * flops / bc / 1e6,6:F1} per CPU-second");
        }
        foreach (var s in new[] { x, w, b, dy, y, dx, dw }) s.Dispose();
    }

    static float[] Down(IBackend be, DeviceStorage s)
    {
        var a = new float[s.Length];
        be.Download(s, a);
        return a;
    }

    static double MaxDiff(float[] a, float[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }
}
