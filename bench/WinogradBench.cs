using System.Diagnostics;
using System.Runtime.InteropServices;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>winograd [iters]</c>: the 3x3 conv forward by the Winograd path and by the GEMM path, interleaved in one process
/// (medians, effective GFLOP/s = direct-conv FLOPs / time), its float32 error against a float64 direct conv, the
/// time of each Winograd phase, and the crossover over channels and sizes.
/// </summary>
public static unsafe class WinogradBench
{
    /// <summary>The options the kernels here run with; a comparison changes it between its interleaved calls.</summary>
    static CpuKernelOptions O = AbSwitches.Base;

    /// <summary>Winograd phase times, in process CPU ms.</summary>
    static readonly WinogradPhases Phases = new(CpuMs);

    /// <summary>Only the Winograd forward of the residual conv, repeatedly (for perf record).</summary>
    public static void Loop(int iters)
    {
        var g = ConvGeometry.ForConv(1, 256, 66, 66, 256, 3, 3, 1, 0);
        var r = new Random(1);
        float* x = Alloc(g.InputPlane), wt = Alloc((long)g.O * g.ColRows), y = Alloc(g.OutputPlane);
        Fill(x, g.InputPlane, r, 1, false, false);
        Fill(wt, (long)g.O * g.ColRows, r, 0.05, false, false);
        for (int i = 0; i < iters; i++) WinogradConv.Forward(O, x, wt, null, y, g);
    }

    /// <summary>One transposed conv (BackwardData), repeatedly (for perf record).</summary>
    public static void TransposedLoop(int iters, int cin, int h, int cout, int k, int stride, int pad, int op)
    {
        var g = ConvGeometry.ForTransposed(1, cin, h, h, cout, k, k, stride, pad, op);
        var r = new Random(1);
        float* dy = Alloc(g.OutputPlane), wt = Alloc((long)g.O * g.ColRows), dx = Alloc(g.InputPlane);
        Fill(dy, g.OutputPlane, r, 1, false, false);
        Fill(wt, (long)g.O * g.ColRows, r, 0.05, false, false);
        for (int i = 0; i < iters; i++) Conv2d.BackwardData(O, dy, wt, dx, g);
    }

    /// <summary>One conv forward by the GEMM path, repeatedly (for perf record).</summary>
    public static void ConvLoop(int iters, int c, int h, int o, int k, int stride, int pad)
    {
        var g = ConvGeometry.ForConv(1, c, h, h, o, k, k, stride, pad);
        var r = new Random(1);
        float* x = Alloc(g.InputPlane), wt = Alloc((long)g.O * g.ColRows), y = Alloc(g.OutputPlane);
        Fill(x, g.InputPlane, r, 1, false, false);
        Fill(wt, (long)g.O * g.ColRows, r, 0.05, false, false);
        O = O with { Winograd = false };
        for (int i = 0; i < iters; i++) Conv2d.Forward(O, x, wt, null, y, g);
    }

    public static void Run(int iters, bool crossover, bool errors)
    {
        Console.WriteLine($"GEMM micro-kernel {O.MicroKernel}, {O.Threads} threads; Winograd phases in process CPU ms");
        if (errors)
        {
            Console.WriteLine("error = max|y - ref| / max|ref| (rms: sqrt(mean (y-ref)^2) / sqrt(mean ref^2)), ref = float64 direct conv");
            Error("256->256 64x64 pad1, x=relu(N(0,1)), w=N(0,0.02)", 256, 64, 64, 256, 1, 0.02, true, 1);
            Error("256->256 66x66 pad0, x=N(0,1), w=U(+-sqrt(3/(9C)))", 256, 66, 66, 256, 0, Math.Sqrt(3.0 / (9 * 256)), false, 2);
            Error("64->64 128x128 pad1, x=N(0,1), w=N(0,0.02)", 64, 128, 128, 64, 1, 0.02, false, 3);
        }
        Console.WriteLine("time (median of interleaved runs)");
        if (crossover && Environment.GetEnvironmentVariable("WINO_ONLY_CROSSOVER") != null) goto cross;
        if (Environment.GetEnvironmentVariable("WINO_CHUNKS") is { } chunks)
        {
            foreach (var cb in chunks.Split(','))
            {
                O = O with { WinogradChunkFloats = long.Parse(cb) };
                Console.WriteLine($"chunk budget {cb} floats");
                Time(1, 256, 66, 66, 256, 0, iters, true);
            }
            return;
        }
        Time(1, 256, 66, 66, 256, 0, iters, true);
        Time(1, 256, 64, 64, 256, 1, iters, true);
        Console.WriteLine("input gradient (conv BackwardData): Winograd (new) vs GEMM + col2im (old)");
        CompareBackwardData(ConvGeometry.ForConv(1, 256, 66, 66, 256, 3, 3, 1, 0), iters);
        CompareBackwardData(ConvGeometry.ForConv(1, 256, 64, 64, 256, 3, 3, 1, 1), iters);
        Console.WriteLine("direct conv for few output channels (new) vs GEMM path (old)");
        foreach (int o in new[] { 1, 2, 3, 4, 6 })
            Compare(ConvGeometry.ForConv(1, 64, 262, 262, o, 7, 7, 1, 0), "direct", v => O = O with { DirectConv = v }, iters);
        Compare(ConvGeometry.ForConv(1, 16, 70, 70, 3, 7, 7, 1, 0), "direct", v => O = O with { DirectConv = v }, iters);
        Compare(ConvGeometry.ForConv(1, 8, 34, 34, 3, 3, 3, 1, 0), "direct", v => O = O with { DirectConv = v }, iters);
        Console.WriteLine("dense GEMM ceilings (cpu ms -> GFLOP/s per core)");
        foreach (bool across in new[] { true, false })
        {
            O = O with { PackAcrossPanels = across };
            Console.WriteLine($" pack across panels: {across}");
            foreach (var (m, n, k) in new[] { (128, 16384, 576), (256, 4096, 1152), (64, 65536, 147) })
            {
                DenseGemm(m, n, k, iters, 0);
                DenseGemm(m, n, k, iters, 16);
            }
        }
        O = O with { PackAcrossPanels = true };
        Console.WriteLine("B packed row by row across a task's panels (new) vs panel by panel (old)");
        Compare(ConvGeometry.ForConv(1, 64, 256, 256, 128, 3, 3, 2, 1), "rows", v => O = O with { PackAcrossPanels = v }, iters);
        Compare(ConvGeometry.ForConv(1, 128, 128, 128, 256, 3, 3, 2, 1), "rows", v => O = O with { PackAcrossPanels = v }, iters);
        Compare(ConvGeometry.ForConv(1, 3, 262, 262, 64, 7, 7, 1, 0), "rows", v => O = O with { PackAcrossPanels = v }, iters);
        Compare(ConvGeometry.ForConv(1, 256, 64, 64, 256, 3, 3, 1, 1), "rows", v => O = O with { PackAcrossPanels = v, Winograd = false }, iters);
        O = O with { Winograd = true };
        if (!crossover) return;
        cross:
        Console.WriteLine("crossover: C = O, output size s x s (pad 0 on (s+2)^2); also C != O");
        foreach (int ch in new[] { 4, 8, 16, 32, 64, 128, 256 })
            foreach (int size in new[] { 4, 8, 12, 16, 32, 64, 128 })
                if ((long)ch * ch * size * size <= 256L * 256 * 128 * 128 / 4) Time(1, ch, size + 2, size + 2, ch, 0, Math.Max(5, iters), false);
        Time(1, 3, 66, 66, 64, 0, iters, false);
        Time(1, 64, 66, 66, 3, 0, iters, false);
        Time(1, 8, 66, 66, 64, 0, iters, false);
        Time(1, 64, 66, 66, 8, 0, iters, false);
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out TimeSpec ts);

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Sec, NSec; }

    /// <summary>
    /// CPU time of the whole process in ms (CLOCK_PROCESS_CPUTIME_ID, ns resolution): on a machine shared with
    /// other jobs, CPU time per call is much steadier than wall time, which includes waiting for a core.
    /// </summary>
    internal static double CpuMs()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(2, out var ts) != 0) return double.NaN;
        return ts.Sec * 1e3 + ts.NSec / 1e6;
    }

    static float* Alloc(long n) => (float*)NativeMemory.AlignedAlloc((nuint)(n * 4), 64);

    static void Fill(float* p, long n, Random r, double scale, bool normal, bool relu)
    {
        for (long i = 0; i < n; i++)
        {
            double v = normal ? Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()) : r.NextDouble() * 2 - 1;
            v *= scale;
            if (relu && v < 0) v = 0;
            p[i] = (float)v;
        }
    }

    static void Error(string name, int c, int h, int w, int o, int pad, double wScale, bool relu, int seed)
    {
        var g = ConvGeometry.ForConv(1, c, h, w, o, 3, 3, 1, pad);
        var r = new Random(seed);
        float* x = Alloc(g.InputPlane), wt = Alloc((long)o * c * 9), b = Alloc(o), yw = Alloc(g.OutputPlane), yg = Alloc(g.OutputPlane);
        Fill(x, g.InputPlane, r, 1, true, relu);
        Fill(wt, (long)o * c * 9, r, wScale, wScale == 0.02, false);
        Fill(b, o, r, 0.02, true, false);
        WinogradConv.Forward(O, x, wt, b, yw, g);
        var saved = O;
        O = O with { Winograd = false };
        Conv2d.Forward(O, x, wt, b, yg, g);
        O = saved;
        // float64 direct conv, parallel over output channels.
        var yr = new double[g.OutputPlane];
        float* xs = x, ws = wt, bs = b;
        Parallel.For(0, o, oi =>
        {
            var acc = new double[g.OutPixels];
            for (int i = 0; i < acc.Length; i++) acc[i] = bs[oi];
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                    {
                        double wv = ws[((long)(oi * c + ci) * 3 + ky) * 3 + kx];
                        for (int oy = 0; oy < g.OutH; oy++)
                        {
                            int iy = oy - pad + ky;
                            if ((uint)iy >= (uint)h) continue;
                            float* row = xs + ((long)ci * h + iy) * w;
                            int baseIdx = oy * g.OutW;
                            for (int ox = 0; ox < g.OutW; ox++)
                            {
                                int ix = ox - pad + kx;
                                if ((uint)ix < (uint)w) acc[baseIdx + ox] += wv * row[ix];
                            }
                        }
                    }
            Array.Copy(acc, 0, yr, (long)oi * g.OutPixels, acc.Length);
        });
        (double max, double rms) Err(float* y)
        {
            double scale = 0, worst = 0, se = 0, sr = 0;
            for (int i = 0; i < yr.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(yr[i]));
                double e = Math.Abs(y[i] - yr[i]);
                worst = Math.Max(worst, e);
                se += e * e; sr += yr[i] * yr[i];
            }
            return (worst / scale, Math.Sqrt(se / sr));
        }
        var ew = Err(yw);
        var eg = Err(yg);
        Console.WriteLine($"  {name,-52} winograd {ew.max:E2} (rms {ew.rms:E2})   gemm {eg.max:E2} (rms {eg.rms:E2})");
        // Plain float32 loops of F(2x2,3x3) and F(4x4,3x3) on the first 16 output channels: the error of each
        // algorithm itself (the kernel's F(4x4) should match the loop's).
        int o16 = Math.Min(16, o);
        var yr16 = new double[o16 * g.OutPixels];
        Array.Copy(yr, yr16, yr16.Length);
        foreach (int mt in new[] { 2, 4 })
        {
            var ys = ScalarWinograd(x, wt, b, g, o16, mt);
            double scale = 0, worst = 0, se = 0, sr = 0;
            for (int i = 0; i < yr16.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(yr16[i]));
                double e = Math.Abs(ys[i] - yr16[i]);
                worst = Math.Max(worst, e); se += e * e; sr += yr16[i] * yr16[i];
            }
            Console.WriteLine($"  {"",-52} scalar float32 F({mt}x{mt},3x3): {worst / scale:E2} (rms {Math.Sqrt(se / sr):E2}), first {o16} output channels");
        }
        foreach (var p in new[] { x, wt, b, yw, yg }) NativeMemory.AlignedFree(p);
    }

    /// <summary>Conv2d.Forward with a new path switched on and off, interleaved; medians.</summary>
    internal static void Compare(ConvGeometry g, string name, Action<bool> enable, int iters)
    {
        var r = new Random(1);
        float* x = Alloc((long)g.N * g.InputPlane), wt = Alloc((long)g.O * g.ColRows), b = Alloc(g.O), y = Alloc((long)g.N * g.OutputPlane);
        Fill(x, (long)g.N * g.InputPlane, r, 1, false, false);
        Fill(wt, (long)g.O * g.ColRows, r, 0.05, false, false);
        Fill(b, g.O, r, 0.05, false, false);
        var tn = new List<double>();
        var to = new List<double>();
        var cn = new List<double>();
        var co = new List<double>();
        for (int i = -1; i < iters; i++)
        {
            enable(true);
            double c0 = CpuMs();
            var sw = Stopwatch.StartNew();
            Conv2d.Forward(O, x, wt, b, y, g);
            if (i >= 0) { tn.Add(sw.Elapsed.TotalMilliseconds); cn.Add(CpuMs() - c0); }
            enable(false);
            c0 = CpuMs();
            sw.Restart();
            Conv2d.Forward(O, x, wt, b, y, g);
            if (i >= 0) { to.Add(sw.Elapsed.TotalMilliseconds); co.Add(CpuMs() - c0); }
        }
        enable(true);
        tn.Sort(); to.Sort(); cn.Sort(); co.Sort();
        double flops = 2.0 * g.Macs, mn = tn[tn.Count / 2], mo = to[to.Count / 2], kn = cn[cn.Count / 2], ko = co[co.Count / 2];
        Console.WriteLine($"  {g.N}x{g.C}x{g.H}x{g.W} -> {g.O} k{g.KH} s{g.StrideH} p{g.PadH}: {name} {mn,8:F2} ms ({flops / mn / 1e6,6:F1} GFLOP/s, cpu {kn,8:F2} ms)  old {mo,8:F2} ms ({flops / mo / 1e6,6:F1}, cpu {ko,8:F2} ms)  speedup {mo / mn:F2} (cpu {ko / kn:F2})");
        foreach (var p in new[] { x, wt, b, y }) NativeMemory.AlignedFree(p);
    }

    static void CompareBackwardData(ConvGeometry g, int iters)
    {
        var r = new Random(1);
        float* dy = Alloc((long)g.N * g.OutputPlane), wt = Alloc((long)g.O * g.ColRows), dx = Alloc((long)g.N * g.InputPlane);
        Fill(dy, (long)g.N * g.OutputPlane, r, 1, false, false);
        Fill(wt, (long)g.O * g.ColRows, r, 0.05, false, false);
        var t = new[] { new List<double>(), new List<double>() };
        var c = new[] { new List<double>(), new List<double>() };
        for (int i = -1; i < iters; i++)
            for (int m = 0; m < 2; m++)
            {
                O = O with { Winograd = m == 0 };
                double c0 = CpuMs();
                var sw = Stopwatch.StartNew();
                Conv2d.BackwardData(O, dy, wt, dx, g);
                if (i >= 0) { t[m].Add(sw.Elapsed.TotalMilliseconds); c[m].Add(CpuMs() - c0); }
            }
        O = O with { Winograd = true };
        static double Med(List<double> v) { v.Sort(); return v[v.Count / 2]; }
        double flops = 2.0 * g.Macs;
        Console.WriteLine($"  dy {g.O}x{g.OutH}x{g.OutW} -> dx {g.C}x{g.H}x{g.W} pad{g.PadH}: winograd {Med(t[0]),8:F2} ms (cpu {Med(c[0]),7:F2})  gemm+col2im {Med(t[1]),8:F2} ms (cpu {Med(c[1]),7:F2})  speedup {Med(t[1]) / Med(t[0]):F2} (cpu {Med(c[1]) / Med(c[0]):F2})");
        foreach (var p in new[] { dy, wt, dx }) NativeMemory.AlignedFree(p);
    }

    static void DenseGemm(int m, int n, int k, int iters, int padC)
    {
        var r = new Random(1);
        int ldc = n + padC;
        float* a = Alloc((long)m * k), b = Alloc((long)k * n), c = Alloc((long)m * ldc);
        Fill(a, (long)m * k, r, 1, false, false);
        Fill(b, (long)k * n, r, 1, false, false);
        var cpu = new List<double>();
        var wall = new List<double>();
        for (int i = -1; i < iters; i++)
        {
            double c0 = CpuMs();
            var sw = Stopwatch.StartNew();
            Gemm.Sgemm(O, false, false, m, n, k, a, k, b, n, c, ldc, false);
            if (i >= 0) { wall.Add(sw.Elapsed.TotalMilliseconds); cpu.Add(CpuMs() - c0); }
        }
        cpu.Sort(); wall.Sort();
        double f = 2.0 * m * n * k;
        Console.WriteLine($"  {m}x{n}x{k} ldc {ldc}: wall {wall[wall.Count / 2]:F2} ms, cpu {cpu[cpu.Count / 2]:F2} ms = {f / cpu[cpu.Count / 2] / 1e6:F1} GFLOP/s per core");
        foreach (var p in new[] { a, b, c }) NativeMemory.AlignedFree(p);
    }

    /// <summary>F(m x m, 3x3) in plain float32 loops (m = 2 or 4), output channels [0, o), batch 1.</summary>
    static float[] ScalarWinograd(float* x, float* w, float* b, ConvGeometry g, int o, int m)
    {
        float[,] bt, gm, at;
        if (m == 2)
        {
            bt = new float[,] { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
            gm = new float[,] { { 1, 0, 0 }, { 0.5f, 0.5f, 0.5f }, { 0.5f, -0.5f, 0.5f }, { 0, 0, 1 } };
            at = new float[,] { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } };
        }
        else
        {
            bt = new float[,] { { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 }, { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 } };
            gm = new float[,] { { 0.25f, 0, 0 }, { -1f / 6, -1f / 6, -1f / 6 }, { -1f / 6, 1f / 6, -1f / 6 }, { 1f / 24, 1f / 12, 1f / 6 }, { 1f / 24, -1f / 12, 1f / 6 }, { 0, 0, 1 } };
            at = new float[,] { { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 } };
        }
        int a = m + 2, c = g.C;
        // U[o][c][a][a] = G g G^T.
        var u = new float[o * c * a * a];
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0; ci < c; ci++)
            {
                float* k = w + ((long)oi * c + ci) * 9;
                var t = new float[a, 3];
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < 3; j++)
                        t[i, j] = gm[i, 0] * k[j] + gm[i, 1] * k[3 + j] + gm[i, 2] * k[6 + j];
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++)
                        u[((oi * c + ci) * a + i) * a + j] = t[i, 0] * gm[j, 0] + t[i, 1] * gm[j, 1] + t[i, 2] * gm[j, 2];
            }
        var y = new float[o * g.OutPixels];
        int ty = (g.OutH + m - 1) / m, tx = (g.OutW + m - 1) / m;
        Parallel.For(0, ty * tx, tile =>
        {
            int oy0 = tile / tx * m, ox0 = tile % tx * m;
            var v = new float[c * a * a];
            var d = new float[a, a];
            var t = new float[a, a];
            for (int ci = 0; ci < c; ci++)
            {
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++)
                    {
                        int iy = oy0 - g.PadH + i, ix = ox0 - g.PadW + j;
                        d[i, j] = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W ? x[((long)ci * g.H + iy) * g.W + ix] : 0f;
                    }
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++)
                    {
                        float s = 0;
                        for (int r = 0; r < a; r++) s += bt[i, r] * d[r, j];
                        t[i, j] = s;
                    }
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++)
                    {
                        float s = 0;
                        for (int r = 0; r < a; r++) s += t[i, r] * bt[j, r];
                        v[(ci * a + i) * a + j] = s;
                    }
            }
            var mm = new float[a, a];
            for (int oi = 0; oi < o; oi++)
            {
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++)
                    {
                        float s = 0;
                        for (int ci = 0; ci < c; ci++) s += u[((oi * c + ci) * a + i) * a + j] * v[(ci * a + i) * a + j];
                        mm[i, j] = s;
                    }
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < m; j++)
                    {
                        int oy = oy0 + i, ox = ox0 + j;
                        if (oy >= g.OutH || ox >= g.OutW) continue;
                        float s = 0;
                        for (int p = 0; p < a; p++)
                        {
                            float r = 0;
                            for (int q = 0; q < a; q++) r += mm[p, q] * at[j, q];
                            s += at[i, p] * r;
                        }
                        y[(long)oi * g.OutPixels + oy * g.OutW + ox] = s + b[oi];
                    }
            }
        });
        return y;
    }

    static void Time(int n, int c, int h, int w, int o, int pad, int iters, bool phases)
    {
        var g = ConvGeometry.ForConv(n, c, h, w, o, 3, 3, 1, pad);
        var r = new Random(1);
        float* x = Alloc((long)n * g.InputPlane), wt = Alloc((long)o * c * 9), b = Alloc(o), y = Alloc((long)n * g.OutputPlane);
        Fill(x, (long)n * g.InputPlane, r, 1, false, false);
        Fill(wt, (long)o * c * 9, r, 0.05, false, false);
        Fill(b, o, r, 0.05, false, false);
        var saved = O;
        // A second copy of the weights for the uncached runs (a budget of 0 drops the entry of the weights it sees).
        float* wt2 = Alloc((long)o * c * 9);
        Buffer.MemoryCopy(wt, wt2, (long)o * c * 9 * 4, (long)o * c * 9 * 4);
        var tw = new List<double>();
        var tu = new List<double>();
        var tg = new List<double>();
        var cw = new List<double>();
        var cg = new List<double>();
        var cached = O;
        Phases.Clear();
        for (int i = -1; i < iters; i++)
        {
            O = O with { WinogradProfile = phases && i >= 0 ? Phases : null };
            double c0 = CpuMs();
            var sw = Stopwatch.StartNew();
            WinogradConv.Forward(O, x, wt, b, y, g);
            if (i >= 0) { tw.Add(sw.Elapsed.TotalMilliseconds); cw.Add(CpuMs() - c0); }
            O = O with { WinogradProfile = null };
            if (phases)
            {
                // The weights transformed on every call (the cost when they change every step, as in training).
                O = O with { WinogradCacheBytes = 0 };
                sw.Restart();
                WinogradConv.Forward(O, x, wt2, b, y, g);
                if (i >= 0) tu.Add(sw.Elapsed.TotalMilliseconds);
                O = cached;
            }
            O = O with { Winograd = false };
            c0 = CpuMs();
            sw.Restart();
            Conv2d.Forward(O, x, wt, b, y, g);
            if (i >= 0) { tg.Add(sw.Elapsed.TotalMilliseconds); cg.Add(CpuMs() - c0); }
            O = saved;
        }
        tw.Sort(); tg.Sort(); tu.Sort(); cw.Sort(); cg.Sort();
        double flops = 2.0 * g.Macs;
        double mw = tw[tw.Count / 2], mg = tg[tg.Count / 2];
        string ph = phases
            ? $"\n      uncached weights {tu[tu.Count / 2]:F2} ms; cached phases (mean ms): weights {Phases.Ms[0] / iters:F2}, input {Phases.Ms[1] / iters:F2}, gemm {Phases.Ms[2] / iters:F2}, output {Phases.Ms[3] / iters:F2}"
            : "";
        Console.WriteLine($"  {n}x{c}x{h}x{w} -> {o} pad{pad}: winograd {mw,8:F2} ms ({flops / mw / 1e6,6:F1} eff GFLOP/s)  gemm {mg,8:F2} ms ({flops / mg / 1e6,6:F1})  speedup {mg / mw:F2}; cpu ms {cw[cw.Count / 2]:F2} vs {cg[cg.Count / 2]:F2} (speedup {cg[cg.Count / 2] / cw[cw.Count / 2]:F2}){ph}");
        foreach (var p in new[] { x, wt, wt2, b, y }) NativeMemory.AlignedFree(p);
    }
}
