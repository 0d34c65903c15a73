using System.Diagnostics;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>par-overhead [loops]</c>: the cost of one parallel loop of 4 near-empty items and of 4 items of about 5 us each,
/// on the dedicated worker pool and on Parallel.For, alternating, in microseconds per loop (medians of batches).
/// </summary>
public static class ParOverhead
{
    public static void Run(int loops)
    {
        var pooled = AbSwitches.Base;
        var o = pooled;
        {
            // Which threads run the items: a loop every 50 us and every 1 ms (the worker sleeps after 100 us idle).
            foreach (int gapUs in new[] { 0, 50, 1000 })
            {
                int caller = Environment.CurrentManagedThreadId, others = 0, total = 0;
                for (int l = 0; l < 200; l++)
                {
                    var sw0 = Stopwatch.StartNew();
                    while (sw0.Elapsed.TotalMilliseconds * 1000 < gapUs) { }
                    Par.Loop(o, 0, 8, i =>
                    {
                        var t = Stopwatch.StartNew();
                        while (t.Elapsed.TotalMilliseconds < 0.02) { }
                        Interlocked.Increment(ref total);
                        if (Environment.CurrentManagedThreadId != caller) Interlocked.Increment(ref others);
                    });
                }
                Console.WriteLine($"gap {gapUs} us: {others} of {total} items (20 us each) ran on other threads");
            }
        }
        foreach (int work in new[] { 0, 2000 })
        {
            var pool = new List<double>();
            var tpl = new List<double>();
            double sink = 0;
            Action<int> body = i =>
            {
                double s = i;
                for (int k = 0; k < work; k++) s = s * 1.0000001 + 1e-9;
                if (s == 42) sink++;
            };
            for (int round = 0; round < 21; round++)
                foreach (bool usePool in new[] { true, false })
                {
                    o = usePool ? pooled : pooled with { UsePool = false };
                    var sw = Stopwatch.StartNew();
                    for (int l = 0; l < loops; l++) Par.Loop(o, 0, 4, body);
                    (usePool ? pool : tpl).Add(sw.Elapsed.TotalMilliseconds * 1000 / loops);
                }
            pool.Sort();
            tpl.Sort();
            Console.WriteLine($"4 items of {(work == 0 ? "no work" : $"{work} multiply-adds")}: pool {pool[10]:F2} us per loop, Parallel.For {tpl[10]:F2} us ({pooled.Threads} threads){(sink > 0 ? " " : "")}");
        }
    }
}
