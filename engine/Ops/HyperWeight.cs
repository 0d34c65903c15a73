using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>
    /// DHP weight generation (METHOD.md 2.2) as one differentiable op: from the latents zIn (Cin values) and zOut
    /// (Cout values, any shape) and the layer's hypernetwork tensors bias0 [Cin,Cout], weight1 and bias1 [Cin,Cout,M],
    /// weight2 [Cin,Cout,K*K,M] and bias2 [Cin,Cout,K*K], the conv weight [Cout,Cin,K,K] (or [Cin,Cout,K,K] for a
    /// transposed conv). The backward pass sends gradients to both latents and all five tensors in one fused kernel.
    /// </summary>
    public static Tensor HyperWeight(Tensor zIn, Tensor zOut, Tensor bias0, Tensor weight1, Tensor bias1, Tensor weight2,
        Tensor bias2, int kernel, bool transposed)
    {
        const string op = "hyper_weight";
        var dev = Checks.SameDevice(op, ("z_in", zIn), ("z_out", zOut), ("bias0", bias0), ("weight1", weight1), ("bias1", bias1),
            ("weight2", weight2), ("bias2", bias2));
        int cin = zIn.Length, cout = zOut.Length, kk = kernel * kernel;
        if (weight1.Rank != 3 || weight1.Dim(0) != cin || weight1.Dim(1) != cout)
            throw new ArgumentException($"{op}: weight1 {Tensor.Format(weight1.Dims)} must be [{cin},{cout},M] for z_in of {cin} and z_out of {cout} entries.");
        int m = weight1.Dim(2);
        void Expect(string role, Tensor t, int[] shape)
        {
            if (!t.Dims.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"{op}: {role} {Tensor.Format(t.Dims)} must be {Tensor.Format(shape)} (Cin {cin}, Cout {cout}, K {kernel}, M {m}).");
        }
        Expect("bias0", bias0, [cin, cout]);
        Expect("bias1", bias1, [cin, cout, m]);
        Expect("weight2", weight2, [cin, cout, kk, m]);
        Expect("bias2", bias2, [cin, cout, kk]);
        if (m > Kernels.Ilgpu.HyperWeightKernels.MaxEmbedding * 64)
            throw new ArgumentException($"{op}: embedding size {m} is unreasonably large.");
        var shape = new HyperShape(cin, cout, kk, m, transposed);
        var w = transposed ? Tensor.Empty(dev, cin, cout, kernel, kernel) : Tensor.Empty(dev, cout, cin, kernel, kernel);
        dev.Backend.HyperWeightForward(zIn.Storage, zOut.Storage, bias0.Storage, weight1.Storage, bias1.Storage, weight2.Storage,
            bias2.Storage, w.Storage, shape);
        Tensor[] inputs = [zIn, zOut, bias0, weight1, bias1, weight2, bias2];
        if (Tape.ShouldRecord(inputs))
            Tape.Record(op, w, inputs, (dw, grads) =>
            {
                var g = inputs.Select(t => Tensor.Empty(dev, t.Dims)).ToArray();
                dev.Backend.HyperWeightBackward(zIn.Storage, zOut.Storage, bias0.Storage, weight1.Storage, bias1.Storage, weight2.Storage,
                    dw.Storage, g[0].Storage, g[1].Storage, g[2].Storage, g[3].Storage, g[4].Storage, g[5].Storage, g[6].Storage, shape);
                for (int i = 0; i < g.Length; i++)
                    if (inputs[i].RequiresGrad) grads[i] = g[i]; else g[i].Dispose();
            });
        return w;
    }

    /// <summary>
    /// The proximal step of the search, in place on a latent vector: soft-thresholding by <paramref name="threshold"/>
    /// (lambda x current learning rate) while more than <paramref name="minChannels"/> entries are at least
    /// <paramref name="pruneThreshold"/>; the <paramref name="exempt"/> largest entries are never shrunk (null: as many as
    /// <paramref name="minChannels"/>, the engine's guard against a step that zeroes a whole latent; 0: DHP's
    /// soft_thresholding exactly). Not recorded.
    /// </summary>
    public static void ProximalStep(Tensor z, float threshold, float pruneThreshold, int minChannels, int? exempt = null)
    {
        var dev = Checks.SameDevice("proximal_step", ("z", z));
        int keep = exempt ?? minChannels;
        if (threshold < 0 || minChannels < 0 || keep < 0)
            throw new ArgumentException($"proximal_step: threshold {threshold}, minimum channels {minChannels} and exempt entries {keep} must be non-negative.");
        Tensor.BumpWriteVersion();
        dev.Backend.ProximalStep(z.Storage, z.Length, threshold, pruneThreshold, minChannels, keep);
    }
}
