namespace CoroNetGAN.Evaluation;

/// <summary>
/// Mean and unbiased covariance (divided by N - 1) of a set of feature vectors, in float64: the Gaussian that
/// <see cref="FrechetDistance"/> compares. Never changed after construction, so safe to share between threads; the arrays
/// are handed out without copying, so callers must not modify them.
/// </summary>
public sealed class FeatureStatistics
{
    /// <summary>Wraps a mean and a covariance (copied). The covariance must be square, symmetric and as wide as the mean.</summary>
    /// <param name="mean">Mean vector.</param>
    /// <param name="covariance">Covariance matrix, row-major.</param>
    /// <param name="count">Vectors it was computed from (informational).</param>
    /// <exception cref="ArgumentException">The shapes disagree, a value is not finite, or the matrix is not symmetric.</exception>
    public FeatureStatistics(double[] mean, double[,] covariance, int count)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        int d = mean.Length;
        if (d == 0) throw new ArgumentException("the mean is empty.", nameof(mean));
        if (covariance.GetLength(0) != d || covariance.GetLength(1) != d)
            throw new ArgumentException($"the covariance is {covariance.GetLength(0)} x {covariance.GetLength(1)}, expected {d} x {d}.", nameof(covariance));
        if (mean.Any(v => !double.IsFinite(v))) throw new ArgumentException("the mean holds a NaN or infinity.", nameof(mean));
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double a = covariance[i, j], b = covariance[j, i];
                if (!double.IsFinite(a)) throw new ArgumentException($"covariance[{i}, {j}] is {a}.", nameof(covariance));
                if (Math.Abs(a - b) > 1e-9 * (1 + Math.Abs(a) + Math.Abs(b)))
                    throw new ArgumentException($"the covariance is not symmetric: [{i}, {j}] = {a} but [{j}, {i}] = {b}.", nameof(covariance));
            }
        Mean = (double[])mean.Clone();
        Covariance = (double[,])covariance.Clone();
        Count = count;
    }

    FeatureStatistics(double[] mean, double[,] covariance, int count, bool _)
    {
        Mean = mean;
        Covariance = covariance;
        Count = count;
    }

    /// <summary>Dimension of the feature vectors.</summary>
    public int Dimension => Mean.Length;

    /// <summary>Number of vectors the statistics were computed from.</summary>
    public int Count { get; }

    /// <summary>The mean vector (not a copy: do not modify).</summary>
    public double[] Mean { get; }

    /// <summary>The covariance matrix, unbiased (N - 1) (not a copy: do not modify).</summary>
    public double[,] Covariance { get; }

    /// <summary>Mean and unbiased covariance of <paramref name="features"/> (at least two vectors, all the same length).</summary>
    /// <exception cref="ArgumentException">Fewer than two vectors, vectors of different lengths, or a NaN or infinity.</exception>
    public static FeatureStatistics FromFeatures(IReadOnlyList<double[]> features)
    {
        int n = Checks.Rows(features, nameof(features));
        if (n < 2) throw new ArgumentException($"a covariance needs at least 2 feature vectors, got {n}.", nameof(features));
        int d = features[0].Length;
        var mean = new double[d];
        foreach (var f in features)
            for (int k = 0; k < d; k++) mean[k] += f[k];
        for (int k = 0; k < d; k++) mean[k] /= n;
        // Centred rows, then X^T X / (n - 1) on the upper triangle, mirrored.
        var x = new double[n * d];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++) x[i * d + k] = features[i][k] - mean[k];
        var cov = new double[d, d];
        Parallel.For(0, d, a =>
        {
            for (int b = a; b < d; b++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += x[i * d + a] * x[i * d + b];
                cov[a, b] = s / (n - 1);
            }
        });
        for (int a = 0; a < d; a++)
            for (int b = 0; b < a; b++) cov[a, b] = cov[b, a];
        return new FeatureStatistics(mean, cov, n, true);
    }
}

/// <summary>Argument checks shared by the metrics.</summary>
internal static class Checks
{
    /// <summary>The number of rows; every row non-null, of one non-zero length, and finite.</summary>
    public static int Rows(IReadOnlyList<double[]> rows, string name)
    {
        ArgumentNullException.ThrowIfNull(rows, name);
        if (rows.Count == 0) throw new ArgumentException("no feature vectors were given.", name);
        int d = rows[0]?.Length ?? throw new ArgumentException("feature vector 0 is null.", name);
        if (d == 0) throw new ArgumentException("feature vectors are empty.", name);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i] ?? throw new ArgumentException($"feature vector {i} is null.", name);
            if (r.Length != d) throw new ArgumentException($"feature vector {i} has {r.Length} values, vector 0 has {d}.", name);
            for (int k = 0; k < d; k++)
                if (!double.IsFinite(r[k])) throw new ArgumentException($"feature vector {i} holds {r[k]} at {k}.", name);
        }
        return rows.Count;
    }
}
