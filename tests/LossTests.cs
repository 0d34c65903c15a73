namespace CoroNetGAN.Tests;

/// <summary>mean and the L1, MSE and BCE-with-logits losses (mean reduction) against the float64 references.</summary>
public class LossTests
{
    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Mean_MatchesReference(string device) =>
        GradCheck.Run(device, "mean", [new("x", [2, 3, 4, 5])], t => Ops.Mean(t[0]), x => Ref.Mean(x[0]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void L1Loss_MatchesReference(string device) =>
        // |a - b| >= 0.1 everywhere: a has magnitude >= 0.55, b lies in (-0.45, 0.45); the kink stays far from the FD step.
        GradCheck.Run(device, "l1_loss", [new("input", [2, 3, 4, 5], TestRandom.AwayFromZero(0.55, 1.5)), new("target", [2, 3, 4, 5], TestRandom.Uniform(-0.45, 0.45))],
            t => Ops.L1Loss(t[0], t[1]), x => Ref.L1Loss(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void MseLoss_MatchesReference(string device) =>
        GradCheck.Run(device, "mse_loss", [new("input", [2, 3, 4, 5]), new("target", [2, 3, 4, 5])],
            t => Ops.MseLoss(t[0], t[1]), x => Ref.MseLoss(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void MseLoss_ConstantTarget(string device) =>
        GradCheck.Run(device, "mse_loss constant target", [new("input", [1, 3, 5, 5]), new("target", [1, 3, 5, 5], Grad: false)],
            t => Ops.MseLoss(t[0], t[1]), x => Ref.MseLoss(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BceWithLogitsLoss_MatchesReference(string device) =>
        GradCheck.Run(device, "bce_with_logits_loss", [new("logits", [2, 3, 4, 5], TestRandom.Uniform(-4, 4)), new("target", [2, 3, 4, 5], TestRandom.Uniform(0, 1))],
            t => Ops.BceWithLogitsLoss(t[0], t[1]), x => Ref.BceWithLogitsLoss(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BceWithLogitsLoss_HardLabelsLargeLogits(string device)
    {
        // The GAN case: labels exactly 0 or 1 and confident logits, where a naive log(sigmoid) would overflow.
        var dev = TestDevices.Get(device);
        float[] logits = [30f, -30f, 12f, -12f, 0.5f, -0.5f];
        float[] labels = [1f, 0f, 0f, 1f, 1f, 0f];
        using var x = Tensor.FromArray(dev, logits, 6);
        using var t = Tensor.FromArray(dev, labels, 6);
        using var loss = Ops.BceWithLogitsLoss(x, t);
        double expected = logits.Zip(labels, (v, l) => Math.Max(v, 0) - v * l + Math.Log(1 + Math.Exp(-Math.Abs(v)))).Average();
        Assert.True(Math.Abs(loss.Item() - expected) <= 1e-5 * expected, $"loss {loss.Item()}, expected {expected}");
    }
}
