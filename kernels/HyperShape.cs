namespace CoroNetGAN.Kernels;

/// <summary>
/// The shape of one DHP hyper-conv weight generation: latents z_in [Cin] and z_out [Cout]; per (i, j) the latent
/// bias B0[i,j], embedding w1, b1 [i,j,M], explicit layer W2 [i,j,KK,M] and b2 [i,j,KK]; the generated weight is
/// [Cout, Cin, K, K] for a conv or [Cin, Cout, K, K] for a transposed conv (PyTorch's layouts).
/// </summary>
/// <remarks>Only int fields: it is passed to ILGPU kernels, which take blittable structs (bool is not).</remarks>
public readonly struct HyperShape
{
    /// <summary>Creates the shape.</summary>
    public HyperShape(int cin, int cout, int kk, int m, bool transposed)
    {
        Cin = cin; Cout = cout; KK = kk; M = m; TransposedFlag = transposed ? 1 : 0;
    }

    /// <summary>Input channels.</summary>
    public readonly int Cin;
    /// <summary>Output channels.</summary>
    public readonly int Cout;
    /// <summary>Kernel taps (k*k).</summary>
    public readonly int KK;
    /// <summary>Embedding size.</summary>
    public readonly int M;
    /// <summary>1 for a transposed conv's [Cin, Cout, K, K] layout.</summary>
    public readonly int TransposedFlag;

    /// <summary>Whether the weight has the transposed conv's layout.</summary>
    public bool Transposed => TransposedFlag != 0;

    /// <summary>Index of the (i, j) pair in the [Cin, Cout] hypernetwork tensors.</summary>
    public int Pair(int i, int j) => i * Cout + j;

    /// <summary>Offset of the k*k weight slice of input channel i and output channel j in the generated weight.</summary>
    public int WeightOffset(int i, int j) => (TransposedFlag != 0 ? i * Cout + j : j * Cin + i) * KK;

    /// <summary>Number of generated weight values.</summary>
    public int WeightLength => Cin * Cout * KK;
}
