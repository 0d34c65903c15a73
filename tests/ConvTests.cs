namespace CoroNetGAN.Tests;

/// <summary>conv2d and conv_transpose2d against the float64 references, forward and gradients, on tiny shapes.</summary>
public class ConvTests
{
    // kh, kw, stride, pad, bias, H, W (input [2,3,H,W], 4 output channels; W != H catches swapped axes)
    public static IEnumerable<object[]> ConvCases => TestDevices.Cross(
        [3, 3, 1, 1, true, 6, 7], [3, 3, 1, 1, false, 6, 7],
        [3, 3, 2, 1, true, 6, 7], [3, 3, 2, 1, false, 6, 7],
        [4, 4, 2, 1, true, 6, 7], [4, 4, 2, 1, false, 6, 7],
        [7, 7, 1, 0, true, 9, 8], [7, 7, 1, 0, false, 9, 8],
        [1, 1, 1, 0, true, 6, 7], [1, 1, 1, 0, false, 6, 7],
        [3, 1, 1, 1, true, 5, 6], [1, 1, 2, 0, false, 6, 7]);

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_MatchesReference(string device, int kh, int kw, int stride, int pad, bool bias, int h, int w)
    {
        var specs = new List<In> { new("x", [2, 3, h, w]), new("weight", [4, 3, kh, kw]) };
        if (bias) specs.Add(new("bias", [4]));
        GradCheck.Run(device, $"conv2d k{kh}x{kw} s{stride} p{pad} bias={bias} {h}x{w}", specs.ToArray(),
            t => Ops.Conv2d(t[0], t[1], bias ? t[2] : null, stride, pad),
            x => Ref.Conv2d(x[0], x[1], bias ? x[2] : null, stride, pad));
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Conv2d_WeightOnlyGradient(string device) =>
        // The input needs no gradient (the first layer of a network): only the weight's is computed.
        GradCheck.Run(device, "conv2d weight only", [new("x", [2, 3, 6, 7], Grad: false), new("weight", [4, 3, 3, 3])],
            t => Ops.Conv2d(t[0], t[1], null, 1, 1),
            x => Ref.Conv2d(x[0], x[1], null, 1, 1));

    // k, stride, pad, output padding, bias (input [2,4,3,4], weight [4,3,k,k])
    public static IEnumerable<object[]> TransposedCases => TestDevices.Cross(
        [3, 2, 1, 1, true], [3, 2, 1, 1, false],
        [4, 2, 1, 0, true], [4, 2, 1, 0, false],
        [3, 1, 1, 0, true], [1, 1, 0, 0, false]);

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void ConvTranspose2d_MatchesReference(string device, int k, int stride, int pad, int outputPadding, bool bias)
    {
        var specs = new List<In> { new("x", [2, 4, 3, 4]), new("weight", [4, 3, k, k]) };
        if (bias) specs.Add(new("bias", [3]));
        GradCheck.Run(device, $"conv_transpose2d k{k} s{stride} p{pad} op{outputPadding} bias={bias}", specs.ToArray(),
            t => Ops.ConvTranspose2d(t[0], t[1], bias ? t[2] : null, stride, pad, outputPadding),
            x => Ref.ConvTranspose2d(x[0], x[1], bias ? x[2] : null, stride, pad, outputPadding));
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ConvTranspose2d_OutputSize(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 1, -1, 1, 1, 4, 5, 3);
        using var w = Tensor.RandomUniform(dev, 2, -1, 1, 4, 2, 3, 3);
        using var y = Ops.ConvTranspose2d(x, w, null, stride: 2, padding: 1, outputPadding: 1);
        Assert.Equal(new[] { 1, 2, 10, 6 }, y.Shape);   // (H - 1) * 2 - 2 + 3 + 1
    }
}
