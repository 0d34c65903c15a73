using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace CoroNetGAN.Evaluation;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets: |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
/// On <see cref="ImageFeatures"/> it is "FID (ResNet-18)": the FID formula on ImageNet ResNet-18 features, which is
/// NOT comparable with the Inception-v3 FIDs published in papers (other network, other features, other scale).
/// </summary>
/// <remarks>
/// <para>Everything is float64 and the covariances are unbiased (N - 1). Tr (S1 S2)^(1/2) is computed as the sum of the
/// square roots of the eigenvalues of the symmetric matrix sqrt(S1) S2 sqrt(S1), which has the same eigenvalues as
/// S1 S2; sqrt(S1) comes from a symmetric eigendecomposition with negative eigenvalues (rounding) clamped at 0. This
/// needs no general (complex) matrix square root and stays stable when S1 or S2 is singular, as it is whenever there
/// are fewer images than feature dimensions.</para>
/// <para>The distance is a squared Wasserstein-2 distance, so it is never negative; a rounding-level negative
/// result is returned as 0. Static and stateless: thread-safe.</para>
/// </remarks>
public static class FrechetDistance
{
    /// <summary>The Fréchet distance between the Gaussians of two feature sets (each at least two vectors, of one dimension).</summary>
    /// <exception cref="ArgumentException">A set has fewer than two vectors, or the dimensions differ.</exception>
    public static double Compute(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        int d = a.Count > 0 ? a[0].Length : 0;
        // With fewer vectors than dimensions each covariance is A^T A of a short matrix, and the trace term is the
        // nuclear norm of a small product (see LowRank): exact, and cheap enough for bootstrap resampling.
        if (a.Count >= 2 && b.Count >= 2 && a.Count < d && b.Count < d && b[0].Length == d) return LowRank(a, b);
        return Compute(FeatureStatistics.FromFeatures(a), FeatureStatistics.FromFeatures(b));
    }

    /// <summary>
    /// The same distance through the centred feature matrices: with S_i = A_i^T A_i (A_i = centred rows / sqrt(n_i - 1)),
    /// Tr S_i is the squared Frobenius norm of A_i, and the eigenvalues of S1 S2 are the squared singular values of
    /// A1 A2^T (n1 x n2), so Tr (S1 S2)^(1/2) is the sum of those singular values.
    /// </summary>
    internal static double LowRank(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        FeatureStatistics.FromFeatures(a.Take(2).ToList());   // validates lengths and finiteness the same way (cheaply)
        var (ma, ca) = Centred(a);
        var (mb, cb) = Centred(b);
        double meanTerm = 0;
        for (int k = 0; k < ma.Length; k++) meanTerm += (ma[k] - mb[k]) * (ma[k] - mb[k]);
        var m = ca.TransposeAndMultiply(cb);                         // n1 x n2
        var gram = m.TransposeAndMultiply(m);                        // n1 x n1, eigenvalues = singular values squared
        gram = (gram + gram.Transpose()) * 0.5;
        double traceSqrt = 0;
        foreach (var e in gram.Evd(Symmetricity.Symmetric).EigenValues) traceSqrt += Math.Sqrt(Math.Max(0, e.Real));
        double fid = meanTerm + ca.FrobeniusNorm() * ca.FrobeniusNorm() + cb.FrobeniusNorm() * cb.FrobeniusNorm() - 2 * traceSqrt;
        return Math.Max(0, fid);
    }

    static (double[] Mean, Matrix<double> Centred) Centred(IReadOnlyList<double[]> x)
    {
        int n = x.Count, d = x[0].Length;
        var mean = new double[d];
        foreach (var row in x)
        {
            if (row.Length != d) throw new ArgumentException($"the feature vectors have different lengths ({d} and {row.Length}).");
            for (int k = 0; k < d; k++) mean[k] += row[k] / n;
        }
        double scale = 1 / Math.Sqrt(n - 1);
        var c = Matrix<double>.Build.Dense(n, d, (i, k) => (x[i][k] - mean[k]) * scale);
        if (c.Enumerate().Any(v => !double.IsFinite(v))) throw new ArgumentException("a feature vector holds a NaN or infinity.");
        return (mean, c);
    }

    /// <summary>The Fréchet distance between two Gaussians given by their statistics.</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    public static double Compute(FeatureStatistics a, FeatureStatistics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension)
            throw new ArgumentException($"the feature sets have different dimensions ({a.Dimension} and {b.Dimension}).");
        int d = a.Dimension;
        double meanTerm = 0;
        for (int k = 0; k < d; k++)
        {
            double diff = a.Mean[k] - b.Mean[k];
            meanTerm += diff * diff;
        }
        var s1 = Matrix<double>.Build.DenseOfArray(a.Covariance);
        var s2 = Matrix<double>.Build.DenseOfArray(b.Covariance);
        double traceSqrt = TraceSqrtProduct(s1, s2);
        double fid = meanTerm + s1.Trace() + s2.Trace() - 2 * traceSqrt;
        return Math.Max(0, fid);
    }

    /// <summary>Tr (S1 S2)^(1/2) for symmetric positive semi-definite S1 and S2, via sqrt(S1) S2 sqrt(S1).</summary>
    internal static double TraceSqrtProduct(Matrix<double> s1, Matrix<double> s2)
    {
        var root = SymmetricSqrt(s1);
        var m = root * s2 * root;
        m = (m + m.Transpose()) * 0.5;
        var evd = m.Evd(Symmetricity.Symmetric);
        double sum = 0;
        foreach (var e in evd.EigenValues) sum += Math.Sqrt(Math.Max(0, e.Real));
        return sum;
    }

    /// <summary>The symmetric square root V diag(sqrt(max(lambda, 0))) V^T of a symmetric matrix.</summary>
    internal static Matrix<double> SymmetricSqrt(Matrix<double> s)
    {
        var evd = s.Evd(Symmetricity.Symmetric);
        var v = evd.EigenVectors;
        var roots = Vector<double>.Build.Dense(s.RowCount, i => Math.Sqrt(Math.Max(0, evd.EigenValues[i].Real)));
        var scaled = v.Clone();
        for (int j = 0; j < scaled.ColumnCount; j++) scaled.SetColumn(j, v.Column(j) * roots[j]);
        return scaled.TransposeAndMultiply(v);
    }
}
