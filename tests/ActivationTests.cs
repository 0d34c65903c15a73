namespace CoroNetGAN.Tests;

/// <summary>relu, leaky relu, tanh and dropout against the float64 references.</summary>
public class ActivationTests
{
    // Inputs stay at least 0.05 from the kink at 0, far beyond the finite-difference step.
    static readonly Func<Random, double> AwayFromKink = TestRandom.AwayFromZero(0.05, 1.5);

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Relu_MatchesReference(string device) =>
        GradCheck.Run(device, "relu", [new("x", [2, 3, 4, 5], AwayFromKink)], t => Ops.Relu(t[0]), x => Ref.Relu(x[0]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void LeakyRelu_DefaultSlope(string device) =>
        GradCheck.Run(device, "leaky_relu 0.2", [new("x", [2, 3, 4, 5], AwayFromKink)], t => Ops.LeakyRelu(t[0]), x => Ref.LeakyRelu(x[0], 0.2f));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void LeakyRelu_OtherSlope(string device) =>
        GradCheck.Run(device, "leaky_relu 0.01", [new("x", [3, 2, 5, 3], AwayFromKink)], t => Ops.LeakyRelu(t[0], 0.01f), x => Ref.LeakyRelu(x[0], 0.01f));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Tanh_MatchesReference(string device) =>
        GradCheck.Run(device, "tanh", [new("x", [2, 3, 4, 5], TestRandom.Uniform(-3, 3))], t => Ops.Tanh(t[0]), x => Ref.Tanh(x[0]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_MatchesReference(string device) =>
        GradCheck.Run(device, "dropout p0.3", [new("x", [2, 3, 4, 5])], t => Ops.Dropout(t[0], 0.3f, 1234u), x => Ref.Dropout(x[0], 0.3f, 1234u));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_MaskIsTheReferenceMask(string device)
    {
        const float p = 0.5f;
        const uint seed = 77;
        var dev = TestDevices.Get(device);
        var x = GradCheck.Draw("dropout mask", [new("x", [2, 4, 9, 7], TestRandom.AwayFromZero(0.1, 1))])[0];
        using var xt = Tensor.FromArray(dev, x.ToFloats(), x.Shape);
        using var y = Ops.Dropout(xt, p, seed);
        var mask = Ref.DropoutMask(x.Length, p, seed);
        var yv = y.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            if (mask[i] == 0) Assert.True(yv[i] == 0f, $"element {i} should be dropped but is {yv[i]}");
            else Assert.True(Math.Abs(yv[i] - x.Data[i] * 2) <= 1e-6 * Math.Abs(x.Data[i] * 2), $"element {i} should be {x.Data[i] * 2} but is {yv[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_DropsAboutPOfTheElements(string device)
    {
        var dev = TestDevices.Get(device);
        foreach (float p in new[] { 0.1f, 0.3f, 0.5f, 0.9f })
        {
            const int n = 4 * 32 * 32 * 4;   // 16384: the binomial standard deviation is at most 0.004
            using var x = Tensor.Full(dev, 1f, 4, 32, 32, 4);
            using var y = Ops.Dropout(x, p, seed: 2024);
            var v = y.ToArray();
            double dropped = v.Count(e => e == 0f) / (double)n;
            Assert.InRange(dropped, p - 0.02, p + 0.02);
            float keep = 1f / (1f - p);
            Assert.All(v, e => Assert.True(e == 0f || Math.Abs(e - keep) <= 1e-6 * keep, $"kept value {e}, expected {keep}"));
            Assert.InRange(v.Average(e => (double)e), 0.95, 1.05);   // inverted dropout keeps the mean
        }
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_SeedsGiveDifferentMasks(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Full(dev, 1f, 1, 2, 16, 16);
        using var a = Ops.Dropout(x, 0.5f, 1);
        using var b = Ops.Dropout(x, 0.5f, 2);
        using var c = Ops.Dropout(x, 0.5f, 1);
        Assert.NotEqual(a.ToArray(), b.ToArray());
        Assert.Equal(a.ToArray(), c.ToArray());
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_OutsideTrainingIsIdentity(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 3, -1, 1, 1, 2, 3, 3);
        Assert.Same(x, Ops.Dropout(x, 0.5f, 9, training: false));
        Assert.Same(x, Ops.Dropout(x, 0f, 9));
    }
}
