using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Metrics;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// Widths and MACs of the generator a run's options describe, counted on the shapes-only meta device at the options'
/// MAC image size (256 by default, the papers' convention). Static and stateless: thread-safe.
/// </summary>
public static class GeneratorShapes
{
    /// <summary>The full-width generator's per-layer widths.</summary>
    public static int[] FullWidths(TrainOptions options)
    {
        using var g = ModelFactory.Generator(options with { Widths = null }, Device.Meta, 0, hyper: false, widths: null);
        return ModelFactory.Widths(g);
    }

    /// <summary>MACs (torchprofile convention) of the generator with <paramref name="widths"/> (null: full width).</summary>
    public static long Macs(TrainOptions options, IReadOnlyList<int>? widths)
    {
        using var g = ModelFactory.Generator(options with { Widths = null }, Device.Meta, 0, hyper: false, widths: widths);
        int size = options.EffectivePrune.MacImageSize;
        return MacCounter.Count(g, Models.Families.GeneratorFamilies.Of(g).InputShape(g, size)).Macs;
    }

    /// <summary>
    /// The full widths scaled by one factor (each rounded, at least 1), with the largest factor whose MACs stay at most
    /// <paramref name="targetMacs"/>: a uniformly narrowed generator to train from scratch against a compressed one of
    /// that cost. Bisection on the factor; MACs grow with it (products of adjacent widths), so the result is the
    /// closest uniform generator from below, within one channel per layer.
    /// </summary>
    /// <exception cref="ArgumentException">A target below the MACs of every layer at width 1.</exception>
    public static (int[] Widths, long Macs) UniformWidths(TrainOptions options, long targetMacs)
    {
        var full = FullWidths(options);
        int[] At(double s) => full.Select(w => Math.Max(1, (int)Math.Round(w * s))).ToArray();
        long floor = Macs(options, At(0));
        if (targetMacs < floor) throw new ArgumentException($"{targetMacs:N0} MACs is below the generator with one channel per layer ({floor:N0}).");
        double lo = 0, hi = 1;
        for (int i = 0; i < 40 && hi - lo > 1e-6; i++)
        {
            double mid = (lo + hi) / 2;
            if (Macs(options, At(mid)) <= targetMacs) lo = mid; else hi = mid;
        }
        var widths = At(lo);
        return (widths, Macs(options, widths));
    }
}
