namespace CoroNetGAN.Tests;

/// <summary>add, scale, concat, channel mask and reflection padding against the float64 references.</summary>
public class StructureTests
{
    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Add_MatchesReference(string device) =>
        GradCheck.Run(device, "add", [new("a", [2, 3, 4, 5]), new("b", [2, 3, 4, 5])], t => Ops.Add(t[0], t[1]), x => Ref.Add(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Add_OnlyOneSideNeedsGradient(string device) =>
        GradCheck.Run(device, "add one side", [new("a", [2, 3, 4, 5], Grad: false), new("b", [2, 3, 4, 5])], t => Ops.Add(t[0], t[1]), x => Ref.Add(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Scale_MatchesReference(string device) =>
        GradCheck.Run(device, "scale", [new("x", [2, 3, 4, 5])], t => Ops.Scale(t[0], -0.7f), x => Ref.Scale(x[0], -0.7f));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Concat_MatchesReference(string device) =>
        GradCheck.Run(device, "concat", [new("a", [2, 3, 4, 5]), new("b", [2, 2, 4, 5])], t => Ops.Concat(t[0], t[1]), x => Ref.Concat(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Concat_GradientOfOneSide(string device) =>
        GradCheck.Run(device, "concat one side", [new("a", [2, 1, 3, 5]), new("b", [2, 4, 3, 5], Grad: false)], t => Ops.Concat(t[0], t[1]), x => Ref.Concat(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ChannelMask_MatchesReference(string device) =>
        GradCheck.Run(device, "channel_mask", [new("x", [2, 3, 4, 5]), new("mask", [3])], t => Ops.ChannelMask(t[0], t[1]), x => Ref.ChannelMask(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ChannelMask_FixedMask(string device) =>
        GradCheck.Run(device, "channel_mask fixed", [new("x", [2, 3, 4, 5]), new("mask", [3], Grad: false)], t => Ops.ChannelMask(t[0], t[1]), x => Ref.ChannelMask(x[0], x[1]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ReflectionPad_1(string device) =>
        GradCheck.Run(device, "reflection_pad2d 1", [new("x", [2, 3, 4, 5])], t => Ops.ReflectionPad2d(t[0], 1), x => Ref.ReflectionPad2d(x[0], 1));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ReflectionPad_3(string device) =>
        GradCheck.Run(device, "reflection_pad2d 3", [new("x", [1, 2, 5, 6])], t => Ops.ReflectionPad2d(t[0], 3), x => Ref.ReflectionPad2d(x[0], 3));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ReflectionPad_KnownValues(string device)
    {
        // torch.nn.ReflectionPad2d(2)(torch.arange(9.).view(1,1,3,3))[0,0,0] == [8,7,6,7,8,7,6]
        var dev = TestDevices.Get(device);
        using var x = Tensor.FromArray(dev, Enumerable.Range(0, 9).Select(i => (float)i).ToArray(), 1, 1, 3, 3);
        using var y = Ops.ReflectionPad2d(x, 2);
        Assert.Equal(new[] { 1, 1, 7, 7 }, y.Shape);
        Assert.Equal(new float[] { 8, 7, 6, 7, 8, 7, 6 }, y.ToArray().Take(7));
        Assert.Equal(new float[] { 2, 1, 0, 1, 2, 1, 0 }, y.ToArray().Skip(14).Take(7));
    }
}
