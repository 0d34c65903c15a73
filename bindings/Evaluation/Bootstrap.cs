namespace CoroNetGAN.Evaluation;

/// <summary>A percentile interval and the statistic it belongs to.</summary>
/// <param name="Value">The statistic on the whole sample.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
/// <param name="Level">Coverage the interval aims at (0.95).</param>
/// <param name="Resamples">Bootstrap resamples it was computed from (0: a t-interval over independent runs).</param>
public sealed record Interval(double Value, double Low, double High, double Level, int Resamples)
{
    /// <summary>"value [low, high]" with the given format.</summary>
    public string Format(string format) =>
        $"{Value.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} [{Low.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}, {High.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}]";
}

/// <summary>
/// Confidence intervals for evaluation numbers: the bootstrap over test images (how much a score would move with
/// another draw of test images of the same size), and Student's t over independent runs (seeds). Static and
/// stateless; each call draws from its own seeded generator, so results are reproducible and thread-safe.
/// </summary>
/// <remarks>
/// Means of per-image values (L1, PSNR, SSIM) get the percentile bootstrap. FID and KID do not: on a resample with
/// repeated images FID is biased upwards (fewer distinct images) by more than its spread, so percentile intervals land
/// above the estimate and reverse-percentile ones below zero. They get half-sampling instead: many draws of half of
/// each set without replacement; for a mean-like statistic the spread of such halves equals the spread of the
/// full-size estimate over new test sets (var = s^2/m (n-m)/(n-1) = s^2/n at m = n/2), so the interval is the estimate
/// plus the 2.5% and 97.5% quantiles of the centred half-sample values.
/// </remarks>
public static class Bootstrap
{
    /// <summary>
    /// The percentile bootstrap of <paramref name="statistic"/> over resamples (with replacement) of the indices
    /// 0..n-1. For paired data pass one n and index both sets with it, so the pairs stay together.
    /// </summary>
    /// <param name="n">Sample size.</param>
    /// <param name="statistic">The statistic of a resample, given its indices (n of them, with repeats).</param>
    /// <param name="resamples">Resamples (at least 20; 200 is plenty for a 95% interval of a smooth statistic).</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="level">Coverage, in (0, 1).</param>
    /// <exception cref="ArgumentException">n below 2, fewer than 20 resamples, or a level outside (0, 1).</exception>
    public static Interval Resample(int n, Func<int[], double> statistic, int resamples = 200, int seed = 1, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        if (n < 2) throw new ArgumentException($"a bootstrap needs at least 2 samples, got {n}.", nameof(n));
        if (resamples < 20) throw new ArgumentException($"a bootstrap needs at least 20 resamples, got {resamples}.", nameof(resamples));
        if (!(level > 0 && level < 1)) throw new ArgumentException($"the level must be in (0, 1), got {level}.", nameof(level));
        double value = statistic(Enumerable.Range(0, n).ToArray());
        var rng = new Random(seed);
        var values = new double[resamples];
        var idx = new int[n];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < n; i++) idx[i] = rng.Next(n);
            values[r] = statistic(idx);
        }
        Array.Sort(values);
        double tail = (1 - level) / 2;
        return new Interval(value, Quantile(values, tail), Quantile(values, 1 - tail), level, resamples);
    }

    /// <summary>
    /// The half-sampling interval of a two-sample set statistic (FID, KID): each draw takes half of each set without
    /// replacement; the interval is the whole-set value plus the quantiles of the draws' deviations from their mean.
    /// </summary>
    /// <exception cref="ArgumentException">A set below 4, fewer than 20 draws, or a level outside (0, 1).</exception>
    public static Interval Halves(int na, int nb, Func<int[], int[], double> statistic, int draws = 200, int seed = 1, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        if (na < 4 || nb < 4) throw new ArgumentException($"half-sampling needs at least 4 samples in each set, got {na} and {nb}.");
        if (draws < 20) throw new ArgumentException($"half-sampling needs at least 20 draws, got {draws}.", nameof(draws));
        if (!(level > 0 && level < 1)) throw new ArgumentException($"the level must be in (0, 1), got {level}.", nameof(level));
        double value = statistic(Enumerable.Range(0, na).ToArray(), Enumerable.Range(0, nb).ToArray());
        var rng = new Random(seed);
        var values = new double[draws];
        for (int r = 0; r < draws; r++) values[r] = statistic(Half(rng, na), Half(rng, nb));
        double mean = values.Average();
        for (int r = 0; r < draws; r++) values[r] -= mean;
        Array.Sort(values);
        double tail = (1 - level) / 2;
        return new Interval(value, value + Quantile(values, tail), value + Quantile(values, 1 - tail), level, draws);
    }

    static int[] Half(Random rng, int n)
    {
        var idx = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(idx);
        return idx[..(n / 2)];
    }

    /// <summary>
    /// Mean and two-sided Student-t interval of independent values (for example one score per seed): mean ± t(n-1) s /
    /// sqrt(n). With one value the interval is that value alone (nothing is known about the spread).
    /// </summary>
    /// <exception cref="ArgumentException">No values, or a level outside (0, 1).</exception>
    public static Interval MeanT(IReadOnlyList<double> values, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("no values.", nameof(values));
        if (!(level > 0 && level < 1)) throw new ArgumentException($"the level must be in (0, 1), got {level}.", nameof(level));
        double mean = values.Average();
        if (values.Count == 1) return new Interval(mean, mean, mean, level, 0);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        double half = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, values.Count - 1, 1 - (1 - level) / 2) * sd / Math.Sqrt(values.Count);
        return new Interval(mean, mean - half, mean + half, level, 0);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default quantile).</summary>
    static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
