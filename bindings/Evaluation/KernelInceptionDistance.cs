using MathNet.Numerics.LinearAlgebra;

namespace CoroNetGAN.Evaluation;

/// <summary>A KID estimate: the mean and spread of the unbiased MMD^2 over random subsets.</summary>
/// <param name="Mean">Mean of the per-subset unbiased MMD^2 estimates.</param>
/// <param name="Std">Their population standard deviation (0 when every subset is the whole set).</param>
/// <param name="Subsets">Subsets drawn.</param>
/// <param name="SubsetSize">Vectors drawn from each set per subset.</param>
public sealed record KidResult(double Mean, double Std, int Subsets, int SubsetSize);

/// <summary>
/// KID: the unbiased squared maximum mean discrepancy between two feature sets with the cubic polynomial kernel
/// k(x, y) = (x . y / d + 1)^3, averaged over random subsets drawn without replacement with a fixed seed (the
/// procedure of torch-fidelity and clean-fid). On <see cref="ImageFeatures"/> it is "KID (ResNet-18)", which is not
/// comparable with the Inception-v3 KIDs of papers.
/// </summary>
/// <remarks>
/// Unlike FID, the estimate is unbiased at small sample sizes, so it suits test splits of a few hundred images; it can be
/// slightly negative when the sets match. A set compared with itself gives -2/m (mean k(x, x) - mean k(x, y)), a small
/// negative number (the cross sum keeps the k(x, x) terms the within-set sums leave out). Each subset's estimate is
/// sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2.
/// When the subset size equals both set sizes every subset is the whole of both sets, so the estimate is computed once
/// and the spread is 0; it is then exactly symmetric in its arguments. Otherwise
/// swapping the sets draws other subsets, and the results agree within the spread. Float64 throughout.
/// Static and stateless: thread-safe.
/// </remarks>
public static class KernelInceptionDistance
{
    /// <summary>Default number of subsets, as torch-fidelity.</summary>
    public const int DefaultSubsets = 100;

    /// <summary>Default subset size, as torch-fidelity; smaller sets use their own size.</summary>
    public const int DefaultSubsetSize = 1000;

    /// <summary>Seed of the subset draws when none is given.</summary>
    public const int DefaultSeed = 2020;

    // Whole-set kernel matrices up to this many vectors in both sets together ((na + nb)^2 doubles, 72 MB); beyond it
    // each subset computes its own, which costs more time but bounded memory.
    internal static int PrecomputeLimit = 3000;

    /// <summary>
    /// KID between <paramref name="a"/> and <paramref name="b"/>: <paramref name="subsets"/> subsets of
    /// min(<paramref name="subsetSize"/>, |a|, |b|) vectors from each set, drawn with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A set has fewer than two vectors, the dimensions differ, or a count is below 1 (subset size below 2).</exception>
    public static KidResult Compute(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b, int subsets = DefaultSubsets,
        int subsetSize = DefaultSubsetSize, int seed = DefaultSeed)
    {
        int na = Checks.Rows(a, nameof(a)), nb = Checks.Rows(b, nameof(b));
        int d = a[0].Length;
        if (b[0].Length != d) throw new ArgumentException($"the feature sets have different dimensions ({d} and {b[0].Length}).");
        if (subsets < 1) throw new ArgumentException($"subsets must be at least 1, got {subsets}.", nameof(subsets));
        if (subsetSize < 2) throw new ArgumentException($"the subset size must be at least 2, got {subsetSize}.", nameof(subsetSize));
        int m = Math.Min(subsetSize, Math.Min(na, nb));
        if (m < 2) throw new ArgumentException($"KID needs at least 2 vectors in each set, got {na} and {nb}.");

        var x = Matrix<double>.Build.DenseOfRowArrays(a);
        var y = Matrix<double>.Build.DenseOfRowArrays(b);
        Func<int[], int[], double> estimate;
        if (na + nb <= PrecomputeLimit)
        {
            var kxx = new Gram(Kernel(x, x, d));
            var kyy = new Gram(Kernel(y, y, d));
            var kxy = new Gram(Kernel(x, y, d));
            estimate = (ia, ib) => Mmd(kxx, kyy, kxy, ia, ib);
        }
        else
        {
            estimate = (ia, ib) =>
            {
                var xs = Matrix<double>.Build.DenseOfRowVectors(ia.Select(x.Row));
                var ys = Matrix<double>.Build.DenseOfRowVectors(ib.Select(y.Row));
                var all = Enumerable.Range(0, m).ToArray();
                return Mmd(new Gram(Kernel(xs, xs, d)), new Gram(Kernel(ys, ys, d)), new Gram(Kernel(xs, ys, d)), all, all);
            };
        }

        // Every subset is then the whole of both sets, in some order: one estimate, no spread.
        if (m == na && m == nb)
        {
            var all = Enumerable.Range(0, m).ToArray();
            return new KidResult(estimate(all, all), 0, subsets, m);
        }

        var rng = new Random(seed);
        var values = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            var ia = Draw(rng, na, m);
            var ib = Draw(rng, nb, m);
            values[s] = estimate(ia, ib);
        }
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / subsets;
        return new KidResult(mean, Math.Sqrt(variance), subsets, m);
    }

    /// <summary>
    /// A half-sampling interval of KID over the images (<see cref="Bootstrap.Halves"/>): the unbiased MMD^2 of the whole
    /// sets and of halves of each. Kernels are computed once for all images.
    /// </summary>
    internal static Interval BootstrapInterval(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b, int resamples, int seed)
    {
        int na = Checks.Rows(a, nameof(a)), nb = Checks.Rows(b, nameof(b));
        int d = a[0].Length;
        var x = Matrix<double>.Build.DenseOfRowArrays(a);
        var y = Matrix<double>.Build.DenseOfRowArrays(b);
        var kxx = new Gram(Kernel(x, x, d));
        var kyy = new Gram(Kernel(y, y, d));
        var kxy = new Gram(Kernel(x, y, d));
        double Statistic(int[] ia, int[] ib)
        {
            double sxx = 0, syy = 0, sxy = 0;
            long nxx = 0, nyy = 0;
            for (int i = 0; i < ia.Length; i++)
                for (int j = 0; j < ia.Length; j++)
                    if (ia[i] != ia[j]) { sxx += kxx[ia[i], ia[j]]; nxx++; }
            for (int i = 0; i < ib.Length; i++)
                for (int j = 0; j < ib.Length; j++)
                    if (ib[i] != ib[j]) { syy += kyy[ib[i], ib[j]]; nyy++; }
            for (int i = 0; i < ia.Length; i++)
                for (int j = 0; j < ib.Length; j++) sxy += kxy[ia[i], ib[j]];
            return sxx / Math.Max(1, nxx) + syy / Math.Max(1, nyy) - 2 * sxy / ((double)ia.Length * ib.Length);
        }
        return Bootstrap.Halves(na, nb, Statistic, resamples, seed);
    }

    /// <summary>k(x, y) = (x . y / d + 1)^3 for every row pair.</summary>
    static Matrix<double> Kernel(Matrix<double> x, Matrix<double> y, int d)
    {
        var k = x.TransposeAndMultiply(y);
        k.MapInplace(v =>
        {
            double t = v / d + 1;
            return t * t * t;
        });
        return k;
    }

    /// <summary>A kernel matrix as a plain column-major array (the sums below index it millions of times).</summary>
    readonly struct Gram(Matrix<double> k)
    {
        readonly double[] _v = k.ToColumnMajorArray();
        readonly int _rows = k.RowCount;

        public double this[int i, int j] => _v[i + j * _rows];
    }

    static double Mmd(Gram kxx, Gram kyy, Gram kxy, int[] ia, int[] ib)
    {
        int m = ia.Length;
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                if (i != j)
                {
                    sxx += kxx[ia[i], ia[j]];
                    syy += kyy[ib[i], ib[j]];
                }
                sxy += kxy[ia[i], ib[j]];
            }
        double pairs = (double)m * (m - 1);
        return sxx / pairs + syy / pairs - 2 * sxy / ((double)m * m);
    }

    /// <summary>m distinct indices of 0..n-1 (a partial Fisher-Yates shuffle).</summary>
    static int[] Draw(Random rng, int n, int m)
    {
        var idx = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < m; i++)
        {
            int j = rng.Next(i, n);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        return idx[..m];
    }
}
