using System.Runtime.InteropServices;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// A 64-byte-aligned scratch buffer per thread that only ever grows, so the unfolded inputs of convolutions
/// cost no allocation after the first step.
/// </summary>
internal static unsafe class Scratch
{
    [ThreadStatic] static float* t_ptr;
    [ThreadStatic] static long t_len;

    /// <summary>Returns this thread's buffer of at least <paramref name="floats"/> elements (contents undefined).</summary>
    public static float* Get(long floats)
    {
        if (t_len < floats)
        {
            if (t_ptr != null) NativeMemory.AlignedFree(t_ptr);
            t_ptr = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            t_len = floats;
        }
        return t_ptr;
    }
}
