namespace CoroNetGAN.Kernels;

/// <summary>
/// Counter-based random numbers: a value is a pure function of (seed, index), so every backend draws the
/// same dropout mask without sharing state, and a kernel can draw element i on any thread.
/// </summary>
public static class RandomHash
{
    /// <summary>A 32-bit hash of seed and index (two rounds of the murmur3 finalizer).</summary>
    public static uint Hash(uint seed, uint index)
    {
        uint h = index * 0x9E3779B1u ^ seed;
        h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13; h *= 0xC2B2AE35u; h ^= h >> 16;
        h += seed * 0x27D4EB2Fu + 0x165667B1u;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        return h;
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    /// <remarks>
    /// Converted through int: a uint-to-float conversion compiles to conv.r.un, a detour through double that
    /// would make ILGPU require fp64, which many OpenCL devices lack. The value is below 2^24, so this is exact.
    /// </remarks>
    public static float Uniform(uint seed, uint index) => (int)(Hash(seed, index) >> 8) * (1.0f / 16777216.0f);
}
