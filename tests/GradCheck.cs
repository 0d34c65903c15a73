namespace CoroNetGAN.Tests;

/// <summary>One input of an op under test: its shape, how to draw it, and whether its gradient is checked.</summary>
/// <param name="Name">Role, for messages (x, weight, bias, ...).</param>
/// <param name="Shape">Shape.</param>
/// <param name="Sample">Value distribution; uniform in [-1, 1) when null.</param>
/// <param name="Grad">Whether the input requires a gradient (constants such as running statistics do not).</param>
public sealed record In(string Name, int[] Shape, Func<Random, double>? Sample = null, bool Grad = true);

/// <summary>What one engine run produced: the output, the output weighting R it was back-propagated with, and each input's gradient.</summary>
public sealed record EngineRun(float[] Output, int[] Shape, Nd R, float[]?[] Grads);

/// <summary>
/// Checks an engine op against its float64 reference: the forward output elementwise, and every input's gradient
/// against central finite differences of L(x) = sum(ref(x) * R), where R is a random weighting of the output that
/// the engine back-propagates as dy (tape.Backward(y, R)).
/// </summary>
public static class GradCheck
{
    /// <summary>Fresh inputs for a case: seeded by the case name, float32-exact, never all zeros.</summary>
    public static Nd[] Draw(string caseName, In[] inputs)
    {
        var rng = new Random(TestRandom.Seed(caseName));
        return inputs.Select(i => TestRandom.Array(rng, i.Shape, i.Sample)).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="op"/> on <paramref name="device"/> under a tape with the given inputs, then back-propagates
    /// a random R (seeded by <paramref name="rSeed"/>) of the output's shape. <paramref name="afterForward"/> sees the
    /// input tensors before they are freed (for side effects such as running statistics).
    /// </summary>
    public static EngineRun Execute(Device device, In[] specs, Nd[] xs, Func<Tensor[], Tensor> op, int rSeed,
        Action<Tensor[]>? afterForward = null)
    {
        var ts = new Tensor?[xs.Length];
        try
        {
            for (int k = 0; k < xs.Length; k++)
            {
                ts[k] = Tensor.FromArray(device, xs[k].ToFloats(), xs[k].Shape);
                ts[k]!.RequiresGrad = specs[k].Grad;
            }
            var inputs = ts.Select(t => t!).ToArray();
            float[] output;
            int[] shape;
            Nd r;
            using (var tape = new Tape())
            {
                var y = op(inputs);
                shape = y.Shape;
                output = y.ToArray();
                r = TestRandom.Array(new Random(rSeed), shape);
                var rt = Tensor.FromArray(device, r.ToFloats(), shape);
                tape.Backward(y, rt);
            }
            afterForward?.Invoke(inputs);
            var grads = new float[]?[xs.Length];
            for (int k = 0; k < xs.Length; k++)
            {
                if (!specs[k].Grad) continue;
                var g = inputs[k].Grad;
                Assert.True(g != null, $"input '{specs[k].Name}' requires a gradient but got none");
                Assert.Equal(xs[k].Shape, g!.Shape);
                grads[k] = g.ToArray();
            }
            return new EngineRun(output, shape, r, grads);
        }
        finally
        {
            foreach (var t in ts) t?.Dispose();
        }
    }

    /// <summary>
    /// The full check: forward within <paramref name="fwdTol"/> and every gradient within <paramref name="gradTol"/>,
    /// both relative to the largest reference magnitude; gradients against central differences with step h.
    /// </summary>
    public static void Run(string device, string caseName, In[] specs, Func<Tensor[], Tensor> op, Func<Nd[], Nd> reference,
        double fwdTol = 1e-4, double gradTol = 1e-3, double h = 1e-3, Action<Tensor[], Nd[]>? afterForward = null)
    {
        var dev = TestDevices.Get(device);
        var xs = Draw(caseName, specs);
        var expected = reference(xs);
        var run = Execute(dev, specs, xs, op, TestRandom.Seed(caseName + "/R"),
            afterForward == null ? null : ts => afterForward(ts, xs));
        Assert.Equal(expected.Shape, run.Shape);
        Close.Check($"{caseName} on {device}: forward", expected.Data, run.Output, fwdTol);
        for (int k = 0; k < specs.Length; k++)
        {
            if (!specs[k].Grad) continue;
            var fd = FiniteDifferences(xs, k, reference, run.R, h);
            Close.Check($"{caseName} on {device}: gradient of '{specs[k].Name}'", fd, run.Grads[k]!, gradTol);
        }
    }

    /// <summary>dL/dx_k by central differences of L = sum(reference(xs) * R), element by element.</summary>
    public static double[] FiniteDifferences(Nd[] xs, int k, Func<Nd[], Nd> reference, Nd r, double h)
    {
        var x = xs[k].Data;
        var fd = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            double saved = x[j];
            x[j] = saved + h;
            double plus = reference(xs).Dot(r);
            x[j] = saved - h;
            double minus = reference(xs).Dot(r);
            x[j] = saved;
            fd[j] = (plus - minus) / (2 * h);
        }
        return fd;
    }

    /// <summary>
    /// A cheap gradient check for large inputs: for a random direction V, sum(grad * V) must equal the central
    /// difference (L(x + hV) - L(x - hV)) / 2h, within <paramref name="tol"/> of the L2 norm of grad * V (so that a
    /// single wrong element among tens of thousands still shows).
    /// </summary>
    public static void Directional(string what, Nd[] xs, int k, Func<Nd[], Nd> reference, Nd r, float[] grad, int seed,
        double h = 1e-3, double tol = 2e-5)
    {
        var v = TestRandom.Array(new Random(seed), xs[k].Shape);
        var x = xs[k].Data;
        var saved = (double[])x.Clone();
        for (int j = 0; j < x.Length; j++) x[j] = saved[j] + h * v.Data[j];
        double plus = reference(xs).Dot(r);
        for (int j = 0; j < x.Length; j++) x[j] = saved[j] - h * v.Data[j];
        double minus = reference(xs).Dot(r);
        Array.Copy(saved, x, x.Length);
        double fd = (plus - minus) / (2 * h);
        double dot = 0, norm = 0;
        for (int j = 0; j < x.Length; j++) { double t = grad[j] * v.Data[j]; dot += t; norm += t * t; }
        norm = Math.Sqrt(norm);
        Assert.True(norm > 0, $"{what}: the gradient is zero");
        Assert.True(Math.Abs(dot - fd) <= tol * norm,
            $"{what}: sum(grad * V) = {dot:G9} but the finite difference is {fd:G9} (|diff| {Math.Abs(dot - fd):G3} > {tol} * |grad * V| = {tol * norm:G3})");
    }
}

/// <summary>Closeness checks with messages that say where and by how much.</summary>
public static class Close
{
    /// <summary>max |expected - actual| &lt;= relTol * max |expected|, with the worst element in the message.</summary>
    public static void Check(string what, IReadOnlyList<double> expected, IReadOnlyList<float> actual, double relTol)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} values, expected {expected.Count}");
        double scale = 0, worst = -1;
        int at = -1;
        for (int i = 0; i < expected.Count; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double err = Math.Abs(expected[i] - actual[i]);
            if (!(err <= worst)) { worst = err; at = i; }   // NaN counts as the worst
        }
        Assert.True(scale > 0, $"{what}: the expected values are all zero, so the check would be empty");
        Assert.True(worst <= relTol * scale,
            $"{what}: element {at} is {actual[at]:G9}, expected {expected[at]:G9} (error {worst:G3} > {relTol} * max|expected| {scale:G4})");
    }

    /// <summary>The same with float expectations (device against device).</summary>
    public static void Check(string what, float[] expected, float[] actual, double relTol) =>
        Check(what, expected.Select(v => (double)v).ToArray(), actual, relTol);
}
