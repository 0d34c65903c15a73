using System.Runtime.InteropServices;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// A 64-byte-aligned scratch buffer per thread that only ever grows, so the unfolded inputs of convolutions
/// cost no allocation after the first step.
/// </summary>
internal static unsafe class Scratch
{
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_ptr, t_second;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_len, t_secondLen;

    /// <summary>Returns this thread's buffer of at least <paramref name="floats"/> elements (contents undefined).</summary>
    public static float* Get(long floats) => Grow(ref t_ptr, ref t_len, floats);

    /// <summary>A second buffer, for a path that needs one while its caller holds <see cref="Get"/>'s.</summary>
    public static float* GetSecond(long floats) => Grow(ref t_second, ref t_secondLen, floats);

    /// <summary>Grows a 64-byte-aligned buffer kept by the caller (a thread-static pair) to at least <paramref name="floats"/>.</summary>
    internal static float* Grow(ref float* ptr, ref long len, long floats)
    {
        if (len < floats)
        {
            if (ptr != null) NativeMemory.AlignedFree(ptr);
            ptr = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            len = floats;
        }
        return ptr;
    }
}
