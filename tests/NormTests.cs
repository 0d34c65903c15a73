namespace CoroNetGAN.Tests;

/// <summary>Instance and batch normalisation against the float64 references.</summary>
public class NormTests
{
    static readonly Func<Random, double> Gamma = TestRandom.Uniform(0.5, 1.5);
    static readonly Func<Random, double> Beta = TestRandom.Uniform(-0.5, 0.5);

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void InstanceNorm_Affine(string device) =>
        GradCheck.Run(device, "instance_norm affine", [new("x", [2, 3, 4, 5]), new("gamma", [3], Gamma), new("beta", [3], Beta)],
            t => Ops.InstanceNorm(t[0], t[1], t[2]),
            x => Ref.InstanceNorm(x[0], x[1], x[2]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void InstanceNorm_NotAffine(string device) =>
        GradCheck.Run(device, "instance_norm", [new("x", [2, 3, 4, 5])],
            t => Ops.InstanceNorm(t[0]),
            x => Ref.InstanceNorm(x[0], null, null));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void InstanceNorm_AffineGradientsOnly(string device) =>
        GradCheck.Run(device, "instance_norm affine only", [new("x", [2, 3, 4, 5], Grad: false), new("gamma", [3], Gamma), new("beta", [3], Beta)],
            t => Ops.InstanceNorm(t[0], t[1], t[2]),
            x => Ref.InstanceNorm(x[0], x[1], x[2]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BatchNorm_Train_AffineWithRunningStats(string device) =>
        GradCheck.Run(device, "batch_norm train affine running",
            [new("x", [3, 4, 3, 5]), new("gamma", [4], Gamma), new("beta", [4], Beta),
             new("running_mean", [4], TestRandom.Uniform(-0.5, 0.5), Grad: false), new("running_var", [4], TestRandom.Uniform(0.5, 1.5), Grad: false)],
            t => Ops.BatchNorm(t[0], t[1], t[2], t[3], t[4], training: true),
            x => Ref.BatchNormTrain(x[0], x[1], x[2]),
            afterForward: (ts, xs) =>
            {
                var (mean, var) = Ref.BatchNormRunningUpdate(xs[0], xs[3].Data, xs[4].Data, momentum: 0.1);
                Close.Check($"running_mean on {device}", mean, ts[3].ToArray(), 1e-5);
                Close.Check($"running_var on {device} (unbiased)", var, ts[4].ToArray(), 1e-5);
            });

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BatchNorm_Train_NotAffineNoRunningStats(string device) =>
        GradCheck.Run(device, "batch_norm train", [new("x", [2, 3, 4, 3])],
            t => Ops.BatchNorm(t[0], null, null, null, null, training: true),
            x => Ref.BatchNormTrain(x[0], null, null));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BatchNorm_Train_CustomMomentum(string device)
    {
        var dev = TestDevices.Get(device);
        var x = GradCheck.Draw("batch_norm momentum", [new("x", [4, 2, 3, 3])])[0];
        using var xt = Tensor.FromArray(dev, x.ToFloats(), x.Shape);
        using var rm = Tensor.Full(dev, 0.25f, 2);
        using var rv = Tensor.Full(dev, 2f, 2);
        using var y = Ops.BatchNorm(xt, null, null, rm, rv, training: true, momentum: 0.3f);
        var (mean, var) = Ref.BatchNormRunningUpdate(x, [0.25, 0.25], [2, 2], momentum: 0.3f);
        Close.Check("running_mean", mean, rm.ToArray(), 1e-5);
        Close.Check("running_var", var, rv.ToArray(), 1e-5);
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BatchNorm_Eval_Affine(string device) =>
        GradCheck.Run(device, "batch_norm eval affine",
            [new("x", [2, 4, 3, 5]), new("gamma", [4], Gamma), new("beta", [4], Beta),
             new("running_mean", [4], TestRandom.Uniform(-0.5, 0.5), Grad: false), new("running_var", [4], TestRandom.Uniform(0.5, 1.5), Grad: false)],
            t => Ops.BatchNorm(t[0], t[1], t[2], t[3], t[4], training: false),
            x => Ref.BatchNormEval(x[0], x[1], x[2], x[3], x[4]),
            afterForward: (ts, xs) =>
            {
                // Evaluation leaves the running statistics alone.
                Assert.Equal(xs[3].ToFloats(), ts[3].ToArray());
                Assert.Equal(xs[4].ToFloats(), ts[4].ToArray());
            });

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BatchNorm_Eval_NotAffine(string device) =>
        GradCheck.Run(device, "batch_norm eval",
            [new("x", [2, 3, 3, 4]), new("running_mean", [3], Grad: false), new("running_var", [3], TestRandom.Uniform(0.2, 2), Grad: false)],
            t => Ops.BatchNorm(t[0], null, null, t[1], t[2], training: false),
            x => Ref.BatchNormEval(x[0], null, null, x[1], x[2]));
}
