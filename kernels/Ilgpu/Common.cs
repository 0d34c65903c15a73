namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Float accumulator that folds its running sum into a total every <see cref="Block"/> terms, so long sums
/// lose about as little precision as a two-level pairwise sum while staying a simple sequential loop.
/// </summary>
internal struct BlockSum
{
    private const int Block = 256;
    private float total;
    private float part;
    private int count;

    public void Add(float v)
    {
        part += v;
        if (++count == Block)
        {
            total += part;
            part = 0f;
            count = 0;
        }
    }

    public readonly float Value => total + part;
}

/// <summary>Bit flags for optional buffers in kernels that take many of them.</summary>
public static class KernelFlags
{
    /// <summary>gamma is present.</summary>
    public const int Gamma = 1;
    /// <summary>beta is present.</summary>
    public const int Beta = 2;
    /// <summary>running mean and variance are present.</summary>
    public const int Running = 4;
    /// <summary>dgamma is requested.</summary>
    public const int DGamma = 8;
    /// <summary>dbeta is requested.</summary>
    public const int DBeta = 16;
}
