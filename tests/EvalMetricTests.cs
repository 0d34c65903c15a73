using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Tests;

/// <summary>FID and KID arithmetic against closed forms and independent float64 references (no network involved).</summary>
public class EvalMetricTests
{
    static double[,] Diagonal(double[] v)
    {
        var m = new double[v.Length, v.Length];
        for (int i = 0; i < v.Length; i++) m[i, i] = v[i];
        return m;
    }

    static double ClosedFormDiagonal(double[] mu1, double[] s1, double[] mu2, double[] s2)
    {
        double f = 0;
        for (int i = 0; i < mu1.Length; i++)
            f += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + s1[i] + s2[i] - 2 * Math.Sqrt(s1[i] * s2[i]);
        return f;
    }

    [Fact]
    public void FidOfDiagonalGaussiansMatchesTheClosedForm()
    {
        var r = new Random(11);
        for (int trial = 0; trial < 5; trial++)
        {
            int d = 3 + trial * 4;
            double[] mu1 = Vec(r, d, -2, 2), mu2 = Vec(r, d, -2, 2), s1 = Vec(r, d, 0.1, 5), s2 = Vec(r, d, 0.1, 5);
            if (trial == 0) s2[1] = 0; // a singular covariance
            double expected = ClosedFormDiagonal(mu1, s1, mu2, s2);
            double got = FrechetDistance.Compute(new FeatureStatistics(mu1, Diagonal(s1), 100), new FeatureStatistics(mu2, Diagonal(s2), 100));
            Assert.True(Math.Abs(got - expected) < 1e-9 * (1 + expected), $"d={d}: {got} vs closed form {expected}");
        }
    }

    [Fact]
    public void FidIsUnchangedByACommonRotation()
    {
        // Q D Q^T for both Gaussians (and Q mu): still the diagonal closed form, now through full matrices.
        var r = new Random(12);
        int d = 9;
        double[] mu1 = Vec(r, d, -1, 1), mu2 = Vec(r, d, -1, 1), s1 = Vec(r, d, 0.2, 4), s2 = Vec(r, d, 0.2, 4);
        var q = RandomOrthogonal(r, d);
        double expected = ClosedFormDiagonal(mu1, s1, mu2, s2);
        var a = new FeatureStatistics(MulVec(q, mu1), Sym(Mul(Mul(q, Diagonal(s1)), Transpose(q))), 50);
        var b = new FeatureStatistics(MulVec(q, mu2), Sym(Mul(Mul(q, Diagonal(s2)), Transpose(q))), 50);
        double got = FrechetDistance.Compute(a, b);
        Assert.True(Math.Abs(got - expected) < 1e-8 * (1 + expected), $"{got} vs {expected}");
    }

    [Fact]
    public void FidOfGeneralCovariancesMatchesADenmanBeaversReference()
    {
        // Independent reference: Tr sqrtm(S1 S2) by the Denman-Beavers iteration on the non-symmetric product,
        // with a plain Gauss-Jordan inverse, all in this file.
        var r = new Random(13);
        for (int trial = 0; trial < 4; trial++)
        {
            int d = 4 + trial * 2;
            var s1 = RandomSpd(r, d);
            var s2 = RandomSpd(r, d);
            double[] mu1 = Vec(r, d, -1, 1), mu2 = Vec(r, d, -1, 1);
            double mean = 0, trace = 0;
            for (int i = 0; i < d; i++) { mean += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]); trace += s1[i, i] + s2[i, i]; }
            var root = DenmanBeavers(Mul(s1, s2));
            double trRoot = 0;
            for (int i = 0; i < d; i++) trRoot += root[i, i];
            double expected = mean + trace - 2 * trRoot;
            double got = FrechetDistance.Compute(new FeatureStatistics(mu1, s1, 10), new FeatureStatistics(mu2, s2, 10));
            Assert.True(Math.Abs(got - expected) < 1e-8 * (1 + expected), $"d={d}: {got} vs reference {expected}");
        }
    }

    [Fact]
    public void StatisticsAreTheUnbiasedMeanAndCovariance()
    {
        var r = new Random(14);
        int n = 17, d = 5;
        var rows = Enumerable.Range(0, n).Select(_ => Vec(r, d, -3, 3)).ToList();
        var stats = FeatureStatistics.FromFeatures(rows);
        for (int a = 0; a < d; a++)
        {
            double ma = rows.Average(x => x[a]);
            Assert.Equal(ma, stats.Mean[a], 12);
            for (int b = 0; b < d; b++)
            {
                double mb = rows.Average(x => x[b]);
                double c = rows.Sum(x => (x[a] - ma) * (x[b] - mb)) / (n - 1);
                Assert.Equal(c, stats.Covariance[a, b], 12);
            }
        }
    }

    [Fact]
    public void FidOfIdenticalSetsIsZeroEvenWithFewerSamplesThanDimensions()
    {
        var r = new Random(15);
        foreach (var (n, d) in new[] { (40, 16), (12, 64) })
        {
            var rows = Enumerable.Range(0, n).Select(_ => Vec(r, d, 0, 5)).ToList();
            double fid = FrechetDistance.Compute(rows, rows.Select(x => (double[])x.Clone()).ToList());
            Assert.InRange(fid, 0, 1e-7);
        }
    }

    [Fact]
    public void FidOfSampledGaussiansApproachesTheTruth()
    {
        // Large samples from two diagonal Gaussians: the estimate lands near the closed form.
        var r = new Random(16);
        int n = 20000;
        double[] mu1 = [0, 1, 2, 3], mu2 = [0.5, 1, 1, 3], s1 = [1, 2, 0.5, 1], s2 = [2, 2, 1, 0.25];
        var a = Enumerable.Range(0, n).Select(_ => Gaussian(r, mu1, s1)).ToList();
        var b = Enumerable.Range(0, n).Select(_ => Gaussian(r, mu2, s2)).ToList();
        double expected = ClosedFormDiagonal(mu1, s1, mu2, s2);
        Assert.InRange(FrechetDistance.Compute(a, b), expected * 0.95, expected * 1.05);
    }

    [Fact]
    public void FidRefusesBadInput()
    {
        var one = new List<double[]> { new double[] { 1, 2 } };
        var two = new List<double[]> { new double[] { 1, 2 }, new double[] { 3, 4 } };
        var other = new List<double[]> { new double[] { 1, 2, 3 }, new double[] { 3, 4, 5 } };
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(one, two)).Message);
        Assert.Contains("dimensions", Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(two, other)).Message);
        var nan = new List<double[]> { new double[] { 1, double.NaN }, new double[] { 3, 4 } };
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(nan, two));
    }

    static double NaiveKid(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y)
    {
        int m = x.Count, d = x[0].Length;
        double K(double[] p, double[] q)
        {
            double dot = 0;
            for (int k = 0; k < d; k++) dot += p[k] * q[k];
            return Math.Pow(dot / d + 1, 3);
        }
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                if (i != j) { sxx += K(x[i], x[j]); syy += K(y[i], y[j]); }
                sxy += K(x[i], y[j]);
            }
        return (sxx + syy) / (m * (m - 1.0)) - 2 * sxy / ((double)m * m);
    }

    [Fact]
    public void KidOfWholeSetsMatchesTheNaiveFormulaAndIsSymmetric()
    {
        var r = new Random(21);
        var a = Enumerable.Range(0, 30).Select(_ => Vec(r, 8, -1, 1)).ToList();
        var b = Enumerable.Range(0, 30).Select(_ => Vec(r, 8, -0.5, 1.5)).ToList();
        var ab = KernelInceptionDistance.Compute(a, b, subsets: 5, subsetSize: 1000);
        var ba = KernelInceptionDistance.Compute(b, a, subsets: 5, subsetSize: 1000);
        double expected = NaiveKid(a, b);
        Assert.Equal(30, ab.SubsetSize);
        Assert.True(Math.Abs(ab.Mean - expected) < 1e-12 * (1 + Math.Abs(expected)), $"{ab.Mean} vs {expected}");
        Assert.True(ab.Std < 1e-12, $"whole-set subsets are all the same: std {ab.Std}");
        Assert.True(Math.Abs(ab.Mean - ba.Mean) < 1e-12 * (1 + Math.Abs(ab.Mean)), $"{ab.Mean} vs {ba.Mean}");
        Assert.True(ab.Mean > 0.01, $"shifted sets: {ab.Mean}");
    }

    [Fact]
    public void KidOfOneDistributionIsNearZeroAndOfIdenticalSetsSlightlyBelow()
    {
        var r = new Random(22);
        var a = Enumerable.Range(0, 200).Select(_ => Gaussian(r, new double[16], Enumerable.Repeat(1.0, 16).ToArray())).ToList();
        var b = Enumerable.Range(0, 200).Select(_ => Gaussian(r, new double[16], Enumerable.Repeat(1.0, 16).ToArray())).ToList();
        var c = Enumerable.Range(0, 200).Select(_ => Gaussian(r, Enumerable.Repeat(0.3, 16).ToArray(), Enumerable.Repeat(1.0, 16).ToArray())).ToList();
        var same = KernelInceptionDistance.Compute(a, b, subsets: 50, subsetSize: 100);
        var shifted = KernelInceptionDistance.Compute(a, c, subsets: 50, subsetSize: 100);
        Assert.True(Math.Abs(same.Mean) < 3 * same.Std + 1e-3 * shifted.Mean, $"same distribution: {same.Mean} ± {same.Std}");
        Assert.True(shifted.Mean > 10 * Math.Abs(same.Mean), $"shifted {shifted.Mean} vs same {same.Mean}");
        // A set against itself: the unbiased estimator drops k(x, x) from the within-set sums but not from the cross sum,
        // so the result is slightly negative, -2/m (mean k(x, x) - mean k(x, y)) for whole sets: bounded by 2/m mean k(x, x).
        var identical = KernelInceptionDistance.Compute(a, a, subsets: 3, subsetSize: 1000);
        double meanSelf = a.Average(x => Math.Pow(x.Sum(v => v * v) / 16 + 1, 3));
        Assert.InRange(identical.Mean, -2 * meanSelf / a.Count, 0);
        Assert.Equal(NaiveKid(a, a), identical.Mean, 12);
        // Swapping the sets draws other subsets: equal within the spread.
        var swapped = KernelInceptionDistance.Compute(c, a, subsets: 50, subsetSize: 100);
        Assert.True(Math.Abs(swapped.Mean - shifted.Mean) < 3 * (shifted.Std + swapped.Std), $"{shifted.Mean} vs {swapped.Mean}");
    }

    [Fact]
    public void KidIsReproducibleAndIndependentOfThePrecomputedKernel()
    {
        var r = new Random(23);
        var a = Enumerable.Range(0, 60).Select(_ => Vec(r, 12, -1, 1)).ToList();
        var b = Enumerable.Range(0, 50).Select(_ => Vec(r, 12, -1, 1.2)).ToList();
        var first = KernelInceptionDistance.Compute(a, b, subsets: 20, subsetSize: 25, seed: 5);
        Assert.Equal(first, KernelInceptionDistance.Compute(a, b, subsets: 20, subsetSize: 25, seed: 5));
        Assert.NotEqual(first.Mean, KernelInceptionDistance.Compute(a, b, subsets: 20, subsetSize: 25, seed: 6).Mean);
        int old = KernelInceptionDistance.PrecomputeLimit;
        try
        {
            KernelInceptionDistance.PrecomputeLimit = 0;
            var perSubset = KernelInceptionDistance.Compute(a, b, subsets: 20, subsetSize: 25, seed: 5);
            Assert.Equal(first.Mean, perSubset.Mean, 12);
            Assert.Equal(first.Std, perSubset.Std, 12);
        }
        finally { KernelInceptionDistance.PrecomputeLimit = old; }
        Assert.True(first.Std > 0);
        Assert.Equal(25, first.SubsetSize);
    }

    [Fact]
    public void KidRefusesBadInput()
    {
        var one = new List<double[]> { new double[] { 1, 2 } };
        var two = new List<double[]> { new double[] { 1, 2 }, new double[] { 3, 4 } };
        Assert.Throws<ArgumentException>(() => KernelInceptionDistance.Compute(one, two));
        Assert.Throws<ArgumentException>(() => KernelInceptionDistance.Compute(two, two, subsets: 0));
        Assert.Throws<ArgumentException>(() => KernelInceptionDistance.Compute(two, two, subsetSize: 1));
    }

    // ---- helpers: plain float64 linear algebra, independent of the code under test ----

    static double[] Vec(Random r, int d, double lo, double hi) => Enumerable.Range(0, d).Select(_ => lo + (hi - lo) * r.NextDouble()).ToArray();

    static double[] Gaussian(Random r, double[] mu, double[] variance)
    {
        var x = new double[mu.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double u1 = 1 - r.NextDouble(), u2 = r.NextDouble();
            x[i] = mu[i] + Math.Sqrt(variance[i]) * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return x;
    }

    static double[,] Mul(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += a[i, t] * b[t, j];
                c[i, j] = s;
            }
        return c;
    }

    static double[] MulVec(double[,] a, double[] v)
    {
        var o = new double[a.GetLength(0)];
        for (int i = 0; i < o.Length; i++)
            for (int j = 0; j < v.Length; j++) o[i] += a[i, j] * v[j];
        return o;
    }

    static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    static double[,] Sym(double[,] a)
    {
        int n = a.GetLength(0);
        var s = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) s[i, j] = 0.5 * (a[i, j] + a[j, i]);
        return s;
    }

    static double[,] RandomSpd(Random r, int d)
    {
        var g = new double[d, d + 3];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d + 3; j++) g[i, j] = r.NextDouble() * 2 - 1;
        var s = Sym(Mul(g, Transpose(g)));
        for (int i = 0; i < d; i++) s[i, i] += 0.1;
        return s;
    }

    static double[,] RandomOrthogonal(Random r, int d)
    {
        // Gram-Schmidt on random columns.
        var q = new double[d, d];
        for (int j = 0; j < d; j++)
        {
            var v = Vec(r, d, -1, 1);
            for (int p = 0; p < j; p++)
            {
                double dot = 0;
                for (int i = 0; i < d; i++) dot += v[i] * q[i, p];
                for (int i = 0; i < d; i++) v[i] -= dot * q[i, p];
            }
            double norm = Math.Sqrt(v.Sum(x => x * x));
            for (int i = 0; i < d; i++) q[i, j] = v[i] / norm;
        }
        return q;
    }

    static double[,] Inverse(double[,] a)
    {
        int n = a.GetLength(0);
        var m = new double[n, 2 * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) m[i, j] = a[i, j];
            m[i, n + i] = 1;
        }
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int i = c + 1; i < n; i++) if (Math.Abs(m[i, c]) > Math.Abs(m[pivot, c])) pivot = i;
            for (int j = 0; j < 2 * n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            double p = m[c, c];
            for (int j = 0; j < 2 * n; j++) m[c, j] /= p;
            for (int i = 0; i < n; i++)
            {
                if (i == c) continue;
                double f = m[i, c];
                for (int j = 0; j < 2 * n; j++) m[i, j] -= f * m[c, j];
            }
        }
        var inv = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) inv[i, j] = m[i, n + j];
        return inv;
    }

    static double[,] DenmanBeavers(double[,] a)
    {
        int n = a.GetLength(0);
        var y = (double[,])a.Clone();
        var z = new double[n, n];
        for (int i = 0; i < n; i++) z[i, i] = 1;
        for (int it = 0; it < 100; it++)
        {
            var yi = Inverse(y);
            var zi = Inverse(z);
            var ny = new double[n, n];
            var nz = new double[n, n];
            double change = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    ny[i, j] = 0.5 * (y[i, j] + zi[i, j]);
                    nz[i, j] = 0.5 * (z[i, j] + yi[i, j]);
                    change = Math.Max(change, Math.Abs(ny[i, j] - y[i, j]));
                }
            y = ny;
            z = nz;
            if (change < 1e-14) break;
        }
        return y;
    }
}
