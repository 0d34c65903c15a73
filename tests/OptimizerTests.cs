namespace CoroNetGAN.Tests;

/// <summary>Adam against the float64 torch.optim.Adam update rule.</summary>
public class OptimizerTests
{
    public static IEnumerable<object[]> AdamCases => TestDevices.Cross([0f], [0.01f]);

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Adam_ThreeStepsMatchReference(string device, float weightDecay)
    {
        const float lr = 1e-2f, beta1 = 0.5f, beta2 = 0.999f, eps = 1e-8f;
        const int steps = 3;
        var dev = TestDevices.Get(device);
        var rng = new Random(TestRandom.Seed($"adam wd{weightDecay}"));
        int[] shapeA = [4, 3, 3, 3], shapeB = [4];
        var pa = TestRandom.Array(rng, shapeA);
        var pb = TestRandom.Array(rng, shapeB);
        // Gradients comparable to weightDecay * p, so the decay term visibly changes the result.
        var grads = Enumerable.Range(0, steps).Select(_ => (A: TestRandom.Array(rng, shapeA, TestRandom.Uniform(-0.1, 0.1)),
            B: TestRandom.Array(rng, shapeB, TestRandom.Uniform(-0.1, 0.1)))).ToArray();

        using var ps = new ParameterSet();
        var ta = ps.Add("a", Tensor.FromArray(dev, pa.ToFloats(), shapeA));
        var tb = ps.Add("b", Tensor.FromArray(dev, pb.ToFloats(), shapeB));
        var tc = ps.AddConstant("no_grad", dev, 0.5f, 3);   // never gets a gradient: Adam must leave it alone
        using var adam = new Adam(ps, lr, beta1, beta2, eps, weightDecay);

        double[] ra = (double[])pa.Data.Clone(), rb = (double[])pb.Data.Clone();
        double[] ma = new double[ra.Length], va = new double[ra.Length], mb = new double[rb.Length], vb = new double[rb.Length];
        for (int s = 0; s < steps; s++)
        {
            adam.ZeroGrad();
            using (var tape = new Tape())
            {
                // Backward from a leaf with a given gradient sets that leaf's .Grad to it.
                tape.Backward(ta, Tensor.FromArray(dev, grads[s].A.ToFloats(), shapeA));
                tape.Backward(tb, Tensor.FromArray(dev, grads[s].B.ToFloats(), shapeB));
            }
            Assert.Equal(grads[s].A.ToFloats(), ta.Grad!.ToArray());
            adam.Step();
            Ref.AdamStep(ra, grads[s].A.Data, ma, va, lr, beta1, beta2, eps, weightDecay, s + 1);
            Ref.AdamStep(rb, grads[s].B.Data, mb, vb, lr, beta1, beta2, eps, weightDecay, s + 1);
        }
        Assert.Equal(steps, adam.StepCount);

        // Compare the total updates (p - p0), not p itself, so float32 rounding of p does not hide an error in the step.
        static double[] Delta(double[] now, Nd start) => now.Select((v, i) => v - start.Data[i]).ToArray();
        static float[] DeltaF(float[] now, Nd start) => now.Select((v, i) => (float)(v - start.Data[i])).ToArray();
        Close.Check($"adam wd={weightDecay} on {device}: update of a", Delta(ra, pa), DeltaF(ta.ToArray(), pa), 1e-4);
        Close.Check($"adam wd={weightDecay} on {device}: update of b", Delta(rb, pb), DeltaF(tb.ToArray(), pb), 1e-4);
        var state = adam.StateOf(ta) ?? throw new Xunit.Sdk.XunitException("no Adam state for a stepped parameter");
        Close.Check("first moment of a", ma, state.M.ToArray(), 1e-5);
        Close.Check("second moment of a", va, state.V.ToArray(), 1e-5);
        Assert.Null(adam.StateOf(tc));
        Assert.All(tc.ToArray(), v => Assert.Equal(0.5f, v));
    }

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void Adam_WeightDecayChangesTheStep(string device)
    {
        // Guards the reference comparison above: decay 0.01 and decay 0 must not give the same parameters.
        var dev = TestDevices.Get(device);
        float[] Run(float wd)
        {
            using var ps = new ParameterSet();
            var p = ps.Add("p", Tensor.Full(dev, 2f, 8));
            using var adam = new Adam(ps, 1e-2f, 0.5f, 0.999f, 1e-8f, wd);
            for (int s = 0; s < 3; s++)
            {
                adam.ZeroGrad();
                using var tape = new Tape();
                // Alternating gradients: without decay the steps cancel, with decay (0.02 added) they all point one way.
                tape.Backward(p, Tensor.Full(dev, s % 2 == 0 ? 0.01f : -0.01f, 8));
                adam.Step();
            }
            return p.ToArray();
        }
        var plain = Run(0f);
        var decayed = Run(0.01f);
        Assert.True(decayed[0] < plain[0] - 5e-3f, $"decayed {decayed[0]} vs plain {plain[0]}");
    }
}
