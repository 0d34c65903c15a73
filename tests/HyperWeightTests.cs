namespace CoroNetGAN.Tests;

/// <summary>DHP weight generation: forward against float64, a gradcheck of all seven inputs, on every device.</summary>
public class HyperWeightTests
{
    public static IEnumerable<object[]> Cases => TestDevices.Cross(
        [3, 4, 3, 8, false], [3, 4, 3, 8, true], [2, 5, 4, 3, false], [5, 2, 1, 8, true], [3, 3, 7, 2, false]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceAndGradcheck(string device, int cin, int cout, int k, int m, bool transposed)
    {
        int kk = k * k;
        GradCheck.Run(device, $"hyper cin{cin} cout{cout} k{k} m{m} t{transposed}",
            [new("z_in", [cin]), new("z_out", [cout]), new("bias0", [cin, cout]), new("weight1", [cin, cout, m]),
             new("bias1", [cin, cout, m]), new("weight2", [cin, cout, kk, m]), new("bias2", [cin, cout, kk])],
            t => Ops.HyperWeight(t[0], t[1], t[2], t[3], t[4], t[5], t[6], k, transposed),
            x => Ref.HyperWeight(x[0], x[1], x[2], x[3], x[4], x[5], x[6], k, transposed));
    }

    [Fact]
    public void WrongShapesAreNamed()
    {
        var d = Device.Cpu;
        var e = Assert.Throws<ArgumentException>(() => Ops.HyperWeight(Tensor.Zeros(d, 3), Tensor.Zeros(d, 4), Tensor.Zeros(d, 3, 4),
            Tensor.Zeros(d, 3, 4, 8), Tensor.Zeros(d, 3, 4, 8), Tensor.Zeros(d, 3, 4, 9, 7), Tensor.Zeros(d, 3, 4, 9), 3, false));
        Assert.Contains("hyper_weight: weight2 [3,4,9,7] must be [3,4,9,8]", e.Message);
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ProximalStepIsSoftThresholdingAboveTheMinimum(string device)
    {
        var d = TestDevices.Get(device);
        float[] z = [0.5f, -0.02f, 0.003f, -0.3f, 0.01f, 0f, 0.2f, -0.05f];
        var t = Tensor.FromArray(d, z, z.Length);
        Ops.ProximalStep(t, 0.04f, 5e-3f, 2);
        // The two largest (0.5, -0.3) are exempt; the rest shrink by 0.04 towards zero.
        Assert.Equal([0.5f, 0f, 0f, -0.3f, 0f, 0f, 0.16f, -0.01f], t.ToArray(), new FloatTolerance(1e-7f));
        // Only 3 entries >= 5e-3 remain (0.5, 0.3, 0.16 and 0.01): with min 4 nothing changes any more.
        var before = t.ToArray();
        Ops.ProximalStep(t, 0.04f, 5e-3f, 4);
        Assert.Equal(before, t.ToArray());
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ProximalStepNeverLeavesFewerThanTheMinimumNonZero(string device)
    {
        var d = TestDevices.Get(device);
        var rng = new Random(5);
        var z = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var t = Tensor.FromArray(d, z, z.Length);
        for (int step = 0; step < 50; step++) Ops.ProximalStep(t, 0.05f, 5e-3f, 4);
        var after = t.ToArray();
        Assert.Equal(4, after.Count(v => v != 0f));
        // The survivors are the four largest magnitudes of the start, untouched.
        var top = z.OrderByDescending(MathF.Abs).Take(4).ToHashSet();
        Assert.All(after.Where(v => v != 0f), v => Assert.Contains(v, top));
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ProximalStepMatchesCpuOnTies(string device)
    {
        float[] z = [0.2f, -0.2f, 0.2f, 0.1f, -0.1f, 0.05f];
        var t = Tensor.FromArray(TestDevices.Get(device), z, z.Length);
        Ops.ProximalStep(t, 0.03f, 5e-3f, 2);
        Assert.Equal([0.2f, -0.2f, 0.17f, 0.07f, -0.07f, 0.02f], t.ToArray(), new FloatTolerance(1e-7f));
    }

    sealed class FloatTolerance(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(float v) => 0;
    }
}
