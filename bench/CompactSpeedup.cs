using System.Diagnostics;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>compact [iters] [ratio ...]</c> (issue 19.3): ResNet-9 ngf 64 and U-Net-256 at 256 px, full against compact
/// at MAC ratios 0.25, 0.1 and 0.05 (or those given), forward passes interleaved. Compact widths are the full widths
/// scaled by one factor and rounded to odd numbers (7, 37, 71: never a multiple of the kernels' 8-, 16- or 32-wide
/// tiles, like the widths a search leaves), the factor chosen so the MACs meet the ratio. Prints the speed-up, the
/// MAC cut (full MACs / compact MACs) and their quotient, whose goal is at least 0.6.
/// </summary>
public static class CompactSpeedup
{
    public static void Run(int iters, IReadOnlyList<double> ratios)
    {
        var dev = Device.Cpu;
        if (ratios.Count == 0) ratios = [0.25, 0.1, 0.05];
        Console.WriteLine("| model | ratio asked | MAC ratio | widths | full ms | compact ms | speed-up | MAC cut | speed-up / MAC cut |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|");
        foreach (bool unet in new[] { false, true })
        {
            int size = 256;
            using var full = Build(unet, null, dev);
            long fullMacs = Macs(unet, null);
            var input = PeerCases.Input(size);
            using var x = Tensor.FromArray(dev, input, 1, 3, size, size);
            foreach (double ratio in ratios)
            {
                var widths = OddWidths(unet, ratio, fullMacs);
                long macs = Macs(unet, widths);
                using var compact = Build(unet, widths, dev);
                double Time(Module m)
                {
                    var sw = Stopwatch.StartNew();
                    using (Tape.NoGrad()) m.Forward(x).Dispose();
                    return sw.Elapsed.TotalMilliseconds;
                }
                SteadyState.WarmUp(() => Time(full), () => Time(compact));
                var tf = new List<double>(); var tc = new List<double>();
                for (int i = 0; i < iters; i++)
                {
                    tf.Add(Time(full));
                    // The compact model is timed twice per round: its calls are short and noisier.
                    tc.Add(Time(compact));
                    tc.Add(Time(compact));
                }
                double mf = Median(tf), mc = Median(tc), speedup = mf / mc, cut = (double)fullMacs / macs;
                Console.WriteLine($"| {(unet ? "unet256-256" : "resnet9-256")} | {ratio:G3} | {(double)macs / fullMacs:F3} | {string.Join(",", widths)} | {mf:F1} | {mc:F1} | {speedup:F2}x | {cut:F2}x | {speedup / cut:F2} |");
            }
        }
    }

    static Module Build(bool unet, int[]? widths, Device dev) => unet
        ? new UnetGenerator(new UnetGeneratorConfig(NumDowns: 8, Widths: widths), dev, seed: 2).Eval()
        : new ResnetGenerator(new ResnetGeneratorConfig(Blocks: 9, Widths: widths), dev, seed: 1).Eval();

    static long Macs(bool unet, int[]? widths)
    {
        using var m = Build(unet, widths, Device.Meta);
        return MacCounter.Count(m, 1, 3, 256, 256).Macs;
    }

    /// <summary>Full widths times one factor, each rounded to the nearest odd number (at least 3), meeting the MAC ratio.</summary>
    internal static int[] OddWidths(bool unet, double ratio, long fullMacs)
    {
        int[] full = unet ? UnetGenerator.FullWidths(64, 8) : ResnetGenerator.FullWidths(64, 9);
        int[] Scale(double f) => full.Select(c => Math.Max(3, (int)Math.Round((c * f - 1) / 2) * 2 + 1)).ToArray();
        double lo = 0.01, hi = 1;
        for (int i = 0; i < 30; i++)
        {
            double mid = (lo + hi) / 2;
            if (Macs(unet, Scale(mid)) > ratio * fullMacs) hi = mid; else lo = mid;
        }
        return Scale(lo);
    }

    static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
