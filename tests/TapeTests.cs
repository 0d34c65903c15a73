namespace CoroNetGAN.Tests;

/// <summary>The autograd tape: gradient accumulation, NoGrad scopes, and buffer reuse through the device pool.</summary>
public class TapeTests
{
    static readonly Func<Random, double> AwayFromKink = TestRandom.AwayFromZero(0.05, 1.5);

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void OneTensorFeedingTwoOps_GradientsAccumulate(string device) =>
        GradCheck.Run(device, "add(relu(x), tanh(x))", [new("x", [2, 3, 4, 5], AwayFromKink)],
            t => Ops.Add(Ops.Relu(t[0]), Ops.Tanh(t[0])),
            x => Ref.Add(Ref.Relu(x[0]), Ref.Tanh(x[0])));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void OneTensorBothInputsOfAnOp(string device) =>
        GradCheck.Run(device, "add(x, x)", [new("x", [1, 2, 3, 4])], t => Ops.Add(t[0], t[0]), x => Ref.Add(x[0], x[0]));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void IntermediateFeedingTwoOps(string device) =>
        // An op output (not a leaf) used twice: its gradient is summed before it flows on.
        GradCheck.Run(device, "concat(scale(h), tanh(h)), h = tanh(conv(x))", [new("x", [1, 3, 4, 4]), new("w", [3, 3, 3, 3])],
            t => { var h = Ops.Tanh(Ops.Conv2d(t[0], t[1], null, 1, 1)); return Ops.Concat(Ops.Scale(h, 2f), Ops.Tanh(h)); },
            x => { var h = Ref.Tanh(Ref.Conv2d(x[0], x[1], null, 1, 1)); return Ref.Concat(Ref.Scale(h, 2f), Ref.Tanh(h)); });

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ResidualBlock(string device) =>
        // A ResNet-generator block: x + IN(conv(pad(act(IN(conv(pad(x))))))). tanh stands in for relu so no
        // pre-activation sits near a kink within the finite-difference step.
        GradCheck.Run(device, "residual block",
            [new("x", [1, 4, 5, 5]), new("w1", [4, 4, 3, 3], TestRandom.Uniform(-0.4, 0.4)), new("g1", [4], TestRandom.Uniform(0.5, 1.5)),
             new("b1", [4], TestRandom.Uniform(-0.5, 0.5)), new("w2", [4, 4, 3, 3], TestRandom.Uniform(-0.4, 0.4))],
            t =>
            {
                // (No conv biases: a per-channel constant before an instance norm has no effect and a zero gradient.)
                var h = Ops.Conv2d(Ops.ReflectionPad2d(t[0], 1), t[1], null);
                h = Ops.Tanh(Ops.InstanceNorm(h, t[2], t[3]));
                h = Ops.InstanceNorm(Ops.Conv2d(Ops.ReflectionPad2d(h, 1), t[4], null));
                return Ops.Add(t[0], h);
            },
            x =>
            {
                var h = Ref.Conv2d(Ref.ReflectionPad2d(x[0], 1), x[1], null, 1, 0);
                h = Ref.Tanh(Ref.InstanceNorm(h, x[2], x[3]));
                h = Ref.InstanceNorm(Ref.Conv2d(Ref.ReflectionPad2d(h, 1), x[4], null, 1, 0), null, null);
                return Ref.Add(x[0], h);
            });

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void LeafGradientsAccumulateAcrossBackwardPasses(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 5, -1, 1, 1, 2, 3, 3);
        x.RequiresGrad = true;
        var r1 = TestRandom.Array(new Random(1), [1, 2, 3, 3]);
        var r2 = TestRandom.Array(new Random(2), [1, 2, 3, 3]);
        foreach (var r in new[] { r1, r2 })
        {
            using var tape = new Tape();
            var y = Ops.Scale(x, 3f);
            tape.Backward(y, Tensor.FromArray(dev, r.ToFloats(), r.Shape));
        }
        var expected = r1.Data.Select((v, i) => 3 * (v + r2.Data[i])).ToArray();
        Close.Check("x.Grad after two passes", expected, x.Grad!.ToArray(), 1e-6);
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void BackwardFromScalarLossSeedsOne(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 6, -1, 1, 2, 3, 2, 2);
        x.RequiresGrad = true;
        using (var tape = new Tape())
        {
            var loss = Ops.Mean(Ops.Scale(x, 4f));
            tape.Backward(loss);
        }
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(4f / 24f, g, 1e-7f));
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void NoGrad_RecordsNothingAndFreesItsTensors(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 7, -1, 1, 1, 3, 4, 4);
        x.RequiresGrad = true;
        Tensor a, b, c, kept;
        using (var scope = Tape.NoGrad())
        {
            Assert.False(scope.IsRecording);
            Assert.Same(scope, Tape.Current);
            a = Ops.Relu(x);
            b = Ops.Tanh(a);
            c = Tensor.Zeros(dev, 2, 2);
            kept = scope.Keep(Ops.Add(a, b));
            Assert.Equal(0, scope.Count);
            Assert.False(a.RequiresGrad);
        }
        Assert.Null(Tape.Current);
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.True(c.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(x.IsDisposed);
        var expected = Ref.Add(Ref.Relu(Nd.FromFloats(x.ToArray(), 1, 3, 4, 4)), Ref.Tanh(Ref.Relu(Nd.FromFloats(x.ToArray(), 1, 3, 4, 4))));
        Close.Check("kept result", expected.Data, kept.ToArray(), 1e-5);
        kept.Dispose();
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void NoGrad_InsideARecordingTape(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 8, -1, 1, 1, 2, 3, 3);
        x.RequiresGrad = true;
        Tensor inner, kept;
        using (var tape = new Tape())
        {
            var y = Ops.Tanh(x);
            Assert.Equal(1, tape.Count);
            using (var scope = Tape.NoGrad())
            {
                inner = Ops.Relu(y);
                kept = scope.Keep(Ops.Scale(y, 2f));
            }
            Assert.Equal(1, tape.Count);          // nothing inside the scope was recorded on the outer tape
            Assert.Same(tape, Tape.Current);
            Assert.True(inner.IsDisposed);
            Assert.False(kept.IsDisposed);        // kept by the scope: now owned by the outer tape
            tape.Backward(y, Tensor.Full(dev, 1f, 1, 2, 3, 3));
            Assert.NotNull(x.Grad);
        }
        Assert.True(kept.IsDisposed);             // ... and freed with it
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void TapeTensorsAreFreedAndKeepSurvives(string device)
    {
        var dev = TestDevices.Get(device);
        using var x = Tensor.RandomUniform(dev, 9, -1, 1, 1, 2, 3, 3);
        x.RequiresGrad = true;
        Tensor y, kept;
        using (var tape = new Tape())
        {
            y = Ops.Tanh(x);
            kept = tape.Keep(Ops.Relu(y));
            tape.Backward(kept, Tensor.Full(dev, 1f, 1, 2, 3, 3));
        }
        Assert.True(y.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.False(x.IsDisposed);
        Assert.False(x.Grad!.IsDisposed);          // a leaf's gradient outlives the tape
        kept.Dispose();
    }

    /// <summary>One training-like step on an unusual shape (so the pool holds nothing of its sizes from other tests).</summary>
    static void PoolStep(Device dev, ParameterSet ps, Tensor x, Tensor target)
    {
        ps.ZeroGrad();
        using var tape = new Tape();
        var h = Ops.Conv2d(x, ps["w1"], ps["b1"], 1, 1);
        h = Ops.LeakyRelu(Ops.InstanceNorm(h, ps["g"], ps["be"]));
        h = Ops.ConvTranspose2d(h, ps["w2"], null, 2, 1, 1);
        var loss = Ops.MseLoss(Ops.Tanh(h), target);
        tape.Backward(loss);
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void TapeDisposal_ReturnsBuffersAndTheNextStepReusesThem(string device)
    {
        var dev = TestDevices.Get(device);
        using var ps = new ParameterSet();
        ps.AddNormal("w1", dev, 1, 0.2f, 7, 3, 3, 3);
        ps.AddConstant("b1", dev, 0.1f, 7);
        ps.AddConstant("g", dev, 1f, 7);
        ps.AddConstant("be", dev, 0f, 7);
        ps.AddNormal("w2", dev, 2, 0.2f, 7, 5, 3, 3);
        using var x = Tensor.RandomNormal(dev, 3, 0, 1, 1, 3, 11, 13);
        using var target = Tensor.RandomUniform(dev, 4, -1, 1, 1, 5, 22, 26);

        dev.TrimPool();
        long before = dev.PooledFloats;
        PoolStep(dev, ps, x, target);
        long afterFirst = dev.PooledFloats;
        Assert.True(afterFirst > before, $"the pool should hold the step's buffers after the tape is disposed ({before} -> {afterFirst})");
        Assert.All(ps.Items, p => Assert.NotNull(p.Value.Grad));

        PoolStep(dev, ps, x, target);
        long afterSecond = dev.PooledFloats;
        Assert.Equal(afterFirst, afterSecond);   // every buffer of step 2 came from the pool and went back

        PoolStep(dev, ps, x, target);
        Assert.Equal(afterFirst, dev.PooledFloats);
    }
}
