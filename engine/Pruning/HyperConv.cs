using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Pruning;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>
/// A conv or transposed conv whose weight the hypernetwork generates on every forward pass from the latents of
/// its input and output channels (DHP's conv_dhp, METHOD.md 2.1-2.2). Its own tensors: bias0 [Cin,Cout],
/// weight1 and bias1 [Cin,Cout,M], weight2 [Cin,Cout,K*K,M], bias2 [Cin,Cout,K*K], and the plain conv bias [Cout].
/// </summary>
public sealed class HyperConv : Module
{
    /// <summary>Creates the layer with DHP's initialisation: B0, b1, b2 zero; w1 U(-√3, √3); W2 U(-b, b) with
    /// b = √3 √(1/(M Cin K²)) ("hyperfan-in"), so the generated weights start with variance 1/(Cin K²).</summary>
    public HyperConv(Init init, LatentRef zIn, LatentRef zOut, int kernel, int stride, int padding, int outputPadding,
        bool transposed, bool bias, int embedding)
    {
        ZIn = zIn; ZOut = zOut; Kernel = kernel; Stride = stride; Padding = padding; OutputPadding = outputPadding;
        Transposed = transposed;
        int cin = zIn.Channels, cout = zOut.Channels, kk = kernel * kernel, m = embedding;
        float s1 = MathF.Sqrt(3f), s2 = MathF.Sqrt(3f) * MathF.Sqrt(1f / (m * cin * kk));
        Bias0 = AddParameter("bias0", init.Constant(0f, cin, cout));
        Weight1 = AddParameter("weight1", Tensor.RandomUniform(init.Device, init.NextSeed(), -s1, s1, cin, cout, m));
        Bias1 = AddParameter("bias1", init.Constant(0f, cin, cout, m));
        Weight2 = AddParameter("weight2", Tensor.RandomUniform(init.Device, init.NextSeed(), -s2, s2, cin, cout, kk, m));
        Bias2 = AddParameter("bias2", init.Constant(0f, cin, cout, kk));
        if (bias) Bias = AddParameter("bias", init.Constant(0f, cout));
    }

    /// <summary>Latent of the input channels.</summary>
    public LatentRef ZIn { get; }
    /// <summary>Latent of the output channels.</summary>
    public LatentRef ZOut { get; }
    /// <summary>Kernel size.</summary>
    public int Kernel { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Padding.</summary>
    public int Padding { get; }
    /// <summary>Output padding (transposed only).</summary>
    public int OutputPadding { get; }
    /// <summary>Transposed conv (weight [Cin, Cout, K, K]).</summary>
    public bool Transposed { get; }
    /// <summary>B0.</summary>
    public Tensor Bias0 { get; }
    /// <summary>w1.</summary>
    public Tensor Weight1 { get; }
    /// <summary>b1.</summary>
    public Tensor Bias1 { get; }
    /// <summary>W2.</summary>
    public Tensor Weight2 { get; }
    /// <summary>b2.</summary>
    public Tensor Bias2 { get; }
    /// <summary>The backbone conv bias [Cout], or null.</summary>
    public Tensor? Bias { get; }

    Tape? _cachedTape;
    long _cachedVersion;
    Tensor? _cachedWeight;

    /// <summary>
    /// Generates the full weight from the current latents. Within one tape (or no-grad scope), and as long as no
    /// tensor has been written in place since, the weight generated first is reused: CycleGAN runs each generator
    /// three times per step, and regenerating from the hypernetwork each time tripled the search's cost. The tape
    /// sums the gradients of every use into the one generation.
    /// </summary>
    public Tensor GenerateWeight()
    {
        var tape = Tape.Current;
        long version = Tensor.WriteVersion;
        if (tape != null && ReferenceEquals(tape, _cachedTape) && version == _cachedVersion && _cachedWeight is { IsDisposed: false })
            return _cachedWeight;
        var w = Ops.HyperWeight(ZIn.Value(), ZOut.Value(), Bias0, Weight1, Bias1, Weight2, Bias2, Kernel, Transposed);
        (_cachedTape, _cachedVersion, _cachedWeight) = tape == null ? (null, 0L, null) : (tape, version, w);
        return w;
    }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        var w = GenerateWeight();
        return Transposed
            ? Ops.ConvTranspose2d(x, w, Bias, Stride, Padding, OutputPadding)
            : Ops.Conv2d(x, w, Bias, Stride, Padding);
    }

    /// <summary>
    /// The weight of the compact layer, computed from the surviving latent entries only (METHOD.md 2.6): the latents
    /// and every hypernetwork tensor are sliced to the kept (input, output) pairs and the weight generated from them.
    /// Runs on the host; extraction happens once.
    /// </summary>
    public float[] CompactWeight(bool[] keepIn, bool[] keepOut)
    {
        var k = Kept(keepIn, keepOut);
        var w = new float[k.In.Length * k.Out.Length * Kernel * Kernel];
        unsafe
        {
            fixed (float* pzi = k.ZIn, pzo = k.ZOut, pb0 = k.B0, pw1 = k.W1, pb1 = k.B1, pw2 = k.W2, pb2 = k.B2, pw = w)
                Kernels.Cpu.HyperWeights.Forward(Kernels.Cpu.CpuKernelOptions.Default, pzi, pzo, pb0, pw1, pb1, pw2, pb2, pw,
                    new Kernels.HyperShape(k.In.Length, k.Out.Length, Kernel * Kernel, Weight1.Dim(2), Transposed));
        }
        return w;
    }

    /// <summary>
    /// Copies this layer's hypernetwork, sliced to the kept (input, output) pairs, into <paramref name="target"/>, a
    /// hyper layer of the kept widths: it then generates exactly <see cref="CompactWeight"/> (the latents it reads
    /// are sliced by the caller) and trains on in the hypernetwork's form.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> does not have the kept widths, kernel or embedding.</exception>
    public void CopyKeptInto(HyperConv target, bool[] keepIn, bool[] keepOut)
    {
        var k = Kept(keepIn, keepOut);
        if (target.ZIn.Channels != k.In.Length || target.ZOut.Channels != k.Out.Length || target.Kernel != Kernel
            || target.Weight1.Dim(2) != Weight1.Dim(2) || target.Transposed != Transposed || (target.Bias == null) != (Bias == null))
            throw new ArgumentException($"hyper conv {Path}: the target layer is {target.ZIn.Channels}->{target.ZOut.Channels}, " +
                $"kernel {target.Kernel}, embedding {target.Weight1.Dim(2)}; the kept slice is {k.In.Length}->{k.Out.Length}, kernel {Kernel}, embedding {Weight1.Dim(2)}.");
        target.Bias0.CopyFrom(k.B0);
        target.Weight1.CopyFrom(k.W1);
        target.Bias1.CopyFrom(k.B1);
        target.Weight2.CopyFrom(k.W2);
        target.Bias2.CopyFrom(k.B2);
        if (Bias != null && Bias.ToArray() is var bias) target.Bias!.CopyFrom(k.Out.Select(j => bias[j]).ToArray());
    }

    /// <summary>The kept channel indices, their latent entries and every hypernetwork tensor sliced to the kept (input, output) pairs.</summary>
    (int[] In, int[] Out, float[] ZIn, float[] ZOut, float[] B0, float[] W1, float[] B1, float[] W2, float[] B2) Kept(bool[] keepIn, bool[] keepOut)
    {
        int cout = ZOut.Channels, kk = Kernel * Kernel, m = Weight1.Dim(2);
        int[] ins = Enumerable.Range(0, ZIn.Channels).Where(i => keepIn[i]).ToArray();
        int[] outs = Enumerable.Range(0, cout).Where(j => keepOut[j]).ToArray();
        float[] zi = Flat(ZIn), zo = Flat(ZOut);
        float[] b0 = Bias0.ToArray(), w1 = Weight1.ToArray(), b1 = Bias1.ToArray(), w2 = Weight2.ToArray(), b2 = Bias2.ToArray();
        int ci = ins.Length, co = outs.Length;
        var sb0 = new float[ci * co]; var sw1 = new float[ci * co * m]; var sb1 = new float[ci * co * m];
        var sw2 = new float[ci * co * kk * m]; var sb2 = new float[ci * co * kk];
        for (int a = 0; a < ci; a++)
            for (int b = 0; b < co; b++)
            {
                int src = ins[a] * cout + outs[b], dst = a * co + b;
                sb0[dst] = b0[src];
                Array.Copy(w1, src * m, sw1, dst * m, m);
                Array.Copy(b1, src * m, sb1, dst * m, m);
                Array.Copy(w2, src * kk * m, sw2, dst * kk * m, kk * m);
                Array.Copy(b2, src * kk, sb2, dst * kk, kk);
            }
        return (ins, outs, ins.Select(i => zi[i]).ToArray(), outs.Select(j => zo[j]).ToArray(), sb0, sw1, sb1, sw2, sb2);
    }

    /// <summary>
    /// Sets this layer's hypernetwork so that, at the current latents, it generates exactly <paramref name="weight"/>
    /// (plain layout: [Cout, Cin, K, K], or [Cin, Cout, K, K] when transposed); <see cref="HyperInit"/> calls it after
    /// setting every latent to one. B0, b1 and b2 become zero, so each generated slice is
    /// z_in[i] z_out[j] (W2 w1)[i,j]: proportional to its latents, and a latent entry shrunk to zero takes its
    /// channel's weights to zero with it, as in the search from scratch. w1 keeps its random draw and W2 gets the
    /// smallest change (least squares, minimum Frobenius norm) that makes W2 w1 equal the wanted slice, so the
    /// hypernetwork keeps its random directions to learn along once the search moves b1.
    /// </summary>
    /// <exception cref="ArgumentException">The weight has the wrong length or is not finite, or a latent product is zero.</exception>
    public void Reproduce(float[] weight)
    {
        int cin = ZIn.Channels, cout = ZOut.Channels, kk = Kernel * Kernel, m = Weight1.Dim(2);
        if (weight.Length != cin * cout * kk)
            throw new ArgumentException($"hyper conv {Path}: the weight to reproduce has {weight.Length} values, the layer generates {cin * cout * kk} ({cin} in, {cout} out, {Kernel}x{Kernel}).");
        float[] zi = Flat(ZIn), zo = Flat(ZOut), w1 = Weight1.ToArray(), w2 = Weight2.ToArray();
        for (int i = 0; i < cin; i++)
            for (int j = 0; j < cout; j++)
            {
                double s = (double)zi[i] * zo[j];
                if (!(Math.Abs(s) > 1e-12))
                    throw new ArgumentException($"hyper conv {Path}: latent product z_in[{i}] z_out[{j}] = {s} cannot scale to a given weight.");
                int p = i * cout + j;
                int w1p = p * m, w2p = p * kk * m;
                double n2 = 0;
                for (int t = 0; t < m; t++) n2 += (double)w1[w1p + t] * w1[w1p + t];
                if (n2 < 1e-6)
                {
                    // A w1 drawn (almost) zero cannot carry the weight; any nonzero direction serves.
                    for (int t = 0; t < m; t++) w1[w1p + t] = 1f;
                    n2 = m;
                }
                for (int q = 0; q < kk; q++)
                {
                    int src = Transposed ? (i * cout + j) * kk + q : (j * cin + i) * kk + q;
                    double wanted = (double)weight[src] / s, now = 0;
                    if (!double.IsFinite(wanted))
                        throw new ArgumentException($"hyper conv {Path}: the weight to reproduce holds {weight[src]} at element {src}.");
                    for (int t = 0; t < m; t++) now += (double)w2[w2p + q * m + t] * w1[w1p + t];
                    double r = (wanted - now) / n2;
                    for (int t = 0; t < m; t++) w2[w2p + q * m + t] = (float)(w2[w2p + q * m + t] + r * w1[w1p + t]);
                }
            }
        Weight1.CopyFrom(w1);
        Weight2.CopyFrom(w2);
        Bias0.CopyFrom(new float[Bias0.Length]);
        Bias1.CopyFrom(new float[Bias1.Length]);
        Bias2.CopyFrom(new float[Bias2.Length]);
    }

    static float[] Flat(LatentRef r) => r.Parts.SelectMany(p => p.Value.ToArray()).ToArray();
}

/// <summary>The latent vectors of a hyper generator, registered as its parameters under <c>latents.z_NAME</c>.</summary>
public sealed class LatentSet : Module
{
    readonly List<Latent> _all = new();

    /// <summary>Creates and registers a latent with entries N(0, 1) (DHP's torch.randn).</summary>
    public Latent Add(Init init, string name, int channels, bool isFixed = false)
    {
        var t = AddParameter("z_" + name, init.Normal(0f, 1f, 1, channels, 1, 1));
        var l = new Latent(name, t, isFixed);
        _all.Add(l);
        return l;
    }

    /// <summary>Every latent, in creation order.</summary>
    public IReadOnlyList<Latent> All => _all;

    /// <summary>The prunable latents, in the generator's width-layout order.</summary>
    public IReadOnlyList<Latent> Prunable => _all.Where(l => !l.IsFixed).ToList();

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => throw new InvalidOperationException("Latents are not run; hyper layers read them.");
}
