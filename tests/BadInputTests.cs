namespace CoroNetGAN.Tests;

/// <summary>Wrong inputs fail at the op, with a message that names the op and the shapes involved.</summary>
public class BadInputTests
{
    static T Throws<T>(Action act, params string[] mentions) where T : Exception
    {
        var e = Assert.Throws<T>(act);
        foreach (var m in mentions)
            Assert.True(e.Message.Contains(m, StringComparison.Ordinal), $"message should mention '{m}': {e.Message}");
        return e;
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Conv2d_WeightChannelsDifferFromInput(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var w = Tensor.Zeros(dev, 8, 3, 3, 3);
        Throws<ArgumentException>(() => Ops.Conv2d(x, w, null, 1, 1), "conv2d", "[1,4,8,8]", "[8,3,3,3]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Conv2d_BiasOfWrongLength(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 3, 8, 8);
        using var w = Tensor.Zeros(dev, 8, 3, 3, 3);
        using var b = Tensor.Zeros(dev, 7);
        Throws<ArgumentException>(() => Ops.Conv2d(x, w, b, 1, 1), "conv2d", "bias", "[7]", "[1,3,8,8]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Conv2d_KernelLargerThanInput(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 3, 4, 4);
        using var w = Tensor.Zeros(dev, 2, 3, 7, 7);
        Throws<ArgumentException>(() => Ops.Conv2d(x, w, null), "conv2d", "[1,3,4,4]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Conv2d_InputNot4D(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 3, 8, 8);
        using var w = Tensor.Zeros(dev, 8, 3, 3, 3);
        Throws<ArgumentException>(() => Ops.Conv2d(x, w, null), "conv2d", "[3,8,8]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ConvTranspose2d_WeightChannelsDifferFromInput(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var w = Tensor.Zeros(dev, 8, 3, 4, 4);
        Throws<ArgumentException>(() => Ops.ConvTranspose2d(x, w, null, 2, 1), "conv_transpose2d", "[1,4,8,8]", "[8,3,4,4]");
        using var w2 = Tensor.Zeros(dev, 4, 3, 4, 4);
        Throws<ArgumentException>(() => Ops.ConvTranspose2d(x, w2, null, 2, 1, outputPadding: 2), "conv_transpose2d", "output padding");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Add_DifferentShapes(string device)
    {
        var dev = TestDevices.Get(device);
        using var a = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var b = Tensor.Zeros(dev, 1, 4, 8, 7);
        Throws<ArgumentException>(() => Ops.Add(a, b), "add", "[1,4,8,8]", "[1,4,8,7]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Concat_DifferentHeights(string device)
    {
        var dev = TestDevices.Get(device);
        using var a = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var b = Tensor.Zeros(dev, 1, 2, 6, 8);
        Throws<ArgumentException>(() => Ops.Concat(a, b), "concat", "[1,4,8,8]", "[1,2,6,8]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Losses_DifferentShapes(string device)
    {
        var dev = TestDevices.Get(device);
        using var a = Tensor.Zeros(dev, 1, 3, 8, 8);
        using var b = Tensor.Zeros(dev, 1, 3, 8, 9);
        Throws<ArgumentException>(() => Ops.L1Loss(a, b), "l1_loss", "[1,3,8,8]", "[1,3,8,9]");
        Throws<ArgumentException>(() => Ops.MseLoss(a, b), "mse_loss", "[1,3,8,8]", "[1,3,8,9]");
        Throws<ArgumentException>(() => Ops.BceWithLogitsLoss(a, b), "bce_with_logits_loss", "[1,3,8,8]", "[1,3,8,9]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Norms_ParameterOfWrongLength(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 2, 4, 8, 8);
        using var g = Tensor.Zeros(dev, 3);
        Throws<ArgumentException>(() => Ops.InstanceNorm(x, g), "instance_norm", "[3]", "[2,4,8,8]");
        Throws<ArgumentException>(() => Ops.BatchNorm(x, g, null, null, null, training: true), "batch_norm", "[3]", "[2,4,8,8]");
        Throws<ArgumentException>(() => Ops.BatchNorm(x, null, null, null, null, training: false), "batch_norm", "[2,4,8,8]");
        using var one = Tensor.Zeros(dev, 1, 4, 1, 1);
        Throws<ArgumentException>(() => Ops.InstanceNorm(one), "instance_norm", "[1,4,1,1]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ChannelMask_WrongLength(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var m = Tensor.Zeros(dev, 5);
        Throws<ArgumentException>(() => Ops.ChannelMask(x, m), "channel_mask", "[5]", "[1,4,8,8]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ReflectionPad_TooLarge(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 4, 3, 8);
        Throws<ArgumentException>(() => Ops.ReflectionPad2d(x, 3), "reflection_pad2d", "[1,4,3,8]");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Dropout_ProbabilityOutOfRange(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 4, 8, 8);
        Throws<ArgumentException>(() => Ops.Dropout(x, 1f, 0), "dropout");
        Throws<ArgumentException>(() => Ops.Dropout(x, -0.1f, 0), "dropout");
        Throws<ArgumentException>(() => Ops.Dropout(x, float.NaN, 0), "dropout");
    }

    [Fact]
    [Trait(TestDevices.Trait, TestDevices.Every)]
    public void TensorsOnTwoDevices()
    {
        var cpu = Device.Cpu;
        var other = TestDevices.Other();
        Assert.NotSame(cpu, other);
        using var a = Tensor.Zeros(cpu, 1, 4, 8, 8);
        using var b = Tensor.Zeros(other, 1, 4, 8, 8);
        using var w = Tensor.Zeros(other, 8, 4, 3, 3);
        Throws<ArgumentException>(() => Ops.Add(a, b), "add", "[1,4,8,8]", "cpu", other.Name);
        Throws<ArgumentException>(() => Ops.Conv2d(a, w, null, 1, 1), "conv2d", "weight", "[8,4,3,3]", other.Name);
        Throws<ArgumentException>(() => Ops.L1Loss(a, b), "l1_loss", "[1,4,8,8]", other.Name);
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void DisposedTensor(string device)
    {
        var dev = TestDevices.Get(device);
        var x = Tensor.Zeros(dev, 1, 4, 8, 8);
        using var w = Tensor.Zeros(dev, 8, 4, 3, 3);
        x.Dispose();
        Assert.True(x.IsDisposed);
        Throws<ObjectDisposedException>(() => Ops.Relu(x), "relu", "[1,4,8,8]");
        Throws<ObjectDisposedException>(() => Ops.Conv2d(x, w, null, 1, 1), "conv2d", "input", "[1,4,8,8]");
        Throws<ObjectDisposedException>(() => Ops.Conv2d(w, x, null, 1, 1), "conv2d", "weight", "[1,4,8,8]");
        Throws<ObjectDisposedException>(() => Ops.InstanceNorm(x), "instance_norm", "[1,4,8,8]");
        Throws<ObjectDisposedException>(() => x.ToArray(), "[1,4,8,8]");
        x.Dispose();   // twice is fine
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void NaNInALoss(string device)
    {
        var dev = TestDevices.Get(device);
        var data = new float[1 * 3 * 4 * 4];
        data[5] = float.NaN;
        using var a = Tensor.FromArray(dev, data, 1, 3, 4, 4);
        using var b = Tensor.Zeros(dev, 1, 3, 4, 4);
        Throws<ArithmeticException>(() => Ops.L1Loss(a, b), "l1_loss", "[1,3,4,4]");
        Throws<ArithmeticException>(() => Ops.MseLoss(b, a), "mse_loss", "[1,3,4,4]");
        Throws<ArithmeticException>(() => Ops.BceWithLogitsLoss(a, b), "bce_with_logits_loss", "[1,3,4,4]");
        data[5] = float.PositiveInfinity;
        using var inf = Tensor.FromArray(dev, data, 1, 3, 4, 4);
        Throws<ArithmeticException>(() => Ops.L1Loss(inf, b), "l1_loss", "Infinity");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void NaNLossInBackward(string device)
    {
        var dev = TestDevices.Get(device);
        var data = new float[6];
        data[2] = float.NaN;
        using var x = Tensor.FromArray(dev, data, 1, 6);
        x.RequiresGrad = true;
        using var tape = new Tape();
        var loss = Ops.Mean(Ops.Tanh(x));
        Throws<ArithmeticException>(() => tape.Backward(loss), "mean", "NaN");
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BackwardWithMismatchedGradient(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.Zeros(dev, 1, 2, 3, 3);
        x.RequiresGrad = true;
        using var tape = new Tape();
        var y = Ops.Tanh(x);
        Throws<ArgumentException>(() => tape.Backward(y, Tensor.Zeros(dev, 1, 2, 3, 4)), "Backward", "[1,2,3,4]", "[1,2,3,3]");
        Throws<ArgumentException>(() => tape.Backward(y), "Backward", "[1,2,3,3]");
    }

    [Fact]
    public void UnknownDeviceListsTheAvailableOnes()
    {
        var e = Throws<ArgumentException>(() => Device.Create("no-such-device"), "no-such-device", "cpu");
        Assert.Contains("Available", e.Message);
    }
}
