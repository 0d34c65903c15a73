namespace CoroNetGAN.Tests;

/// <summary>
/// Realistic sizes. On <c>cpu</c> each op is checked against the float64 reference (forward elementwise, gradients
/// along a random direction); every other available device is checked against <c>cpu</c>, forward and every
/// gradient elementwise, to 1e-4 relative. A machine with only the CPU runs the <c>cpu</c> rows alone.
/// </summary>
public class BackendAgreementTests
{
    const double Tol = 1e-4;

    /// <param name="linear">The op is linear in each input separately (conv): the directional difference is exact for any step.</param>
    static void Agree(string device, string name, In[] specs, Func<Tensor[], Tensor> op, Func<Nd[], Nd> reference, bool linear)
    {
        var xs = GradCheck.Draw(name, specs);
        int rSeed = TestRandom.Seed(name + "/R");
        var run = GradCheck.Execute(TestDevices.Get(device), specs, xs, op, rSeed);
        if (device == "cpu")
        {
            var expected = reference(xs);
            Assert.Equal(expected.Shape, run.Shape);
            Close.Check($"{name} on cpu: forward vs float64", expected.Data, run.Output, Tol);
            for (int k = 0; k < specs.Length; k++)
                if (specs[k].Grad)
                    GradCheck.Directional($"{name} on cpu: gradient of '{specs[k].Name}'", xs, k, reference, run.R, run.Grads[k]!,
                        TestRandom.Seed($"{name}/V{k}"), h: linear ? 1 : 1e-4);
            return;
        }
        var cpu = GradCheck.Execute(Device.Cpu, specs, xs, op, rSeed);
        Assert.Equal(cpu.Shape, run.Shape);
        Close.Check($"{name}: forward on {device} vs cpu", cpu.Output, run.Output, Tol);
        for (int k = 0; k < specs.Length; k++)
            if (specs[k].Grad)
                Close.Check($"{name}: gradient of '{specs[k].Name}' on {device} vs cpu", cpu.Grads[k]!, run.Grads[k]!, Tol);
    }

    [Theory]
    [MemberData(nameof(TestDevices.EachAvailable), MemberType = typeof(TestDevices))]
    public void Conv2d_64to64_k3p1_32x32(string device) =>
        Agree(device, "conv2d 1x64x32x32 -> 64 k3 p1",
            [new("x", [1, 64, 32, 32]), new("weight", [64, 64, 3, 3], TestRandom.Uniform(-0.05, 0.05)), new("bias", [64])],
            t => Ops.Conv2d(t[0], t[1], t[2], 1, 1), x => Ref.Conv2d(x[0], x[1], x[2], 1, 1), linear: true);

    [Theory]
    [MemberData(nameof(TestDevices.EachAvailable), MemberType = typeof(TestDevices))]
    public void ConvTranspose2d_64to32_k3s2p1op1(string device) =>
        Agree(device, "conv_transpose2d 1x64x16x16 -> 32 k3 s2 p1 op1",
            [new("x", [1, 64, 16, 16]), new("weight", [64, 32, 3, 3], TestRandom.Uniform(-0.05, 0.05)), new("bias", [32])],
            t => Ops.ConvTranspose2d(t[0], t[1], t[2], 2, 1, 1), x => Ref.ConvTranspose2d(x[0], x[1], x[2], 2, 1, 1), linear: true);

    [Theory]
    [MemberData(nameof(TestDevices.EachAvailable), MemberType = typeof(TestDevices))]
    public void InstanceNorm_64x32x32(string device) =>
        Agree(device, "instance_norm 1x64x32x32 affine",
            [new("x", [1, 64, 32, 32], TestRandom.Uniform(-2, 3)), new("gamma", [64], TestRandom.Uniform(0.5, 1.5)), new("beta", [64])],
            t => Ops.InstanceNorm(t[0], t[1], t[2]), x => Ref.InstanceNorm(x[0], x[1], x[2]), linear: false);

    [Theory]
    [MemberData(nameof(TestDevices.EachAvailable), MemberType = typeof(TestDevices))]
    public void BatchNorm_Train_2x64x32x32(string device) =>
        Agree(device, "batch_norm train 2x64x32x32 affine",
            [new("x", [2, 64, 32, 32], TestRandom.Uniform(-2, 3)), new("gamma", [64], TestRandom.Uniform(0.5, 1.5)), new("beta", [64])],
            t => Ops.BatchNorm(t[0], t[1], t[2], null, null, training: true), x => Ref.BatchNormTrain(x[0], x[1], x[2]), linear: false);

    // Odd sizes put partial tiles on every edge of the GEMM (M = 13 output channels, N = 33*31 pixels, K = 45 or 70);
    // 64 -> 64 on 2x64x32x32 has K = 576, more than one K block.
    // n, c, h, w, o, k, stride, pad, transposed (then c is Cin and o is Cout), output padding
    public static IEnumerable<object[]> GemmEdgeCases =>
        from name in TestDevices.AllNames
        from c in new object[][]
        {
            [1, 5, 33, 31, 13, 3, 1, 1, false, 0],
            [1, 5, 33, 31, 13, 4, 2, 1, false, 0],
            [1, 70, 17, 19, 13, 1, 1, 0, false, 0],
            [2, 13, 17, 15, 5, 3, 2, 1, true, 1],
            [1, 70, 9, 11, 13, 1, 1, 0, true, 0],
        }
        select new object[] { name }.Concat(c).ToArray();

    [Theory]
    [MemberData(nameof(GemmEdgeCases))]
    public void Conv_OddSizes_MatchReference(string device, int n, int c, int h, int w, int o, int k, int stride, int pad, bool transposed, int outputPadding)
    {
        var dev = TestDevices.Get(device);
        string name = $"{(transposed ? "conv_transpose2d" : "conv2d")} {n}x{c}x{h}x{w} -> {o} k{k} s{stride} p{pad}";
        In[] specs = [new("x", [n, c, h, w]), new("weight", transposed ? [c, o, k, k] : [o, c, k, k]), new("bias", [o])];
        Func<Tensor[], Tensor> op = transposed
            ? t => Ops.ConvTranspose2d(t[0], t[1], t[2], stride, pad, outputPadding)
            : t => Ops.Conv2d(t[0], t[1], t[2], stride, pad);
        Func<Nd[], Nd> reference = transposed
            ? x => Ref.ConvTranspose2d(x[0], x[1], x[2], stride, pad, outputPadding)
            : x => Ref.Conv2d(x[0], x[1], x[2], stride, pad);
        var xs = GradCheck.Draw(name, specs);
        var run = GradCheck.Execute(dev, specs, xs, op, TestRandom.Seed(name + "/R"));
        var expected = reference(xs);
        Assert.Equal(expected.Shape, run.Shape);
        Close.Check($"{name} on {device}: forward", expected.Data, run.Output, Tol);
        for (int i = 0; i < specs.Length; i++)
            GradCheck.Directional($"{name} on {device}: gradient of '{specs[i].Name}'", xs, i, reference, run.R, run.Grads[i]!,
                TestRandom.Seed($"{name}/V{i}"), h: 1);
    }

    [Theory]
    [MemberData(nameof(TestDevices.EachAvailable), MemberType = typeof(TestDevices))]
    public void Conv2d_2x64x32x32_to64_Forward(string device)
    {
        var dev = TestDevices.Get(device);
        var xs = GradCheck.Draw("conv2d 2x64x32x32 -> 64", [new("x", [2, 64, 32, 32]), new("weight", [64, 64, 3, 3]), new("bias", [64])]);
        using var x = Tensor.FromArray(dev, xs[0].ToFloats(), xs[0].Shape);
        using var wt = Tensor.FromArray(dev, xs[1].ToFloats(), xs[1].Shape);
        using var b = Tensor.FromArray(dev, xs[2].ToFloats(), xs[2].Shape);
        using var y = Ops.Conv2d(x, wt, b, 1, 1);
        var expected = Ref.Conv2d(xs[0], xs[1], xs[2], 1, 1);
        Assert.Equal(expected.Shape, y.Shape);
        Close.Check($"conv2d 2x64x32x32 -> 64 on {device}", expected.Data, y.ToArray(), Tol);
    }
}
