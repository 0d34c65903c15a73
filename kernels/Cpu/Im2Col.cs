using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// The unfolded input of a convolution as a GEMM operand that is never materialised: B[r, p] is input pixel
/// (c, oy*s - pad + ky, ox*s - pad + kx) for unfold row r = (c, ky, kx) and output pixel p = (oy, ox), zero
/// outside the image. Packing reads straight from the image, which saves writing and re-reading a K x P
/// matrix (38 MB for a 256-channel 3x3 conv on 64x64).
/// </summary>
public readonly unsafe struct Im2ColB(float* x, ConvGeometry g) : IPackedB
{
    readonly float* _x = x;
    readonly ConvGeometry _g = g;

    /// <inheritdoc />
    public void Pack(int k0, int kc, int j0, int cols, int nr, float* dst) => PackPanels(k0, kc, j0, j0 + cols, nr, 1, dst);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackPanels(int k0, int kc, int j0, int n, int nr, int count, float* dst)
    {
        var g = _g;
        int kk2 = g.KH * g.KW;
        // Per panel: first output pixel, its column count and whether it lies within one output row.
        int* oy0 = stackalloc int[count], ox0 = stackalloc int[count], cols = stackalloc int[count];
        for (int p = 0; p < count; p++)
        {
            int j = j0 + p * nr;
            oy0[p] = j / g.OutW;
            ox0[p] = j % g.OutW;
            cols[p] = Math.Min(nr, n - j);
        }
        long panel = (long)kc * nr;
        // (c, ky, kx) of row k0, then stepped without divisions.
        int c = k0 / kk2, ky = k0 % kk2 / g.KW, kx = k0 % g.KW;
        for (int kk = 0; kk < kc; kk++, Step(ref c, ref ky, ref kx, g.KH, g.KW))
        {
            float* plane = _x + (long)c * g.H * g.W;
            for (int p = 0; p < count; p++)
                PackRow(plane, g, ky, kx, oy0[p], ox0[p], cols[p], nr, dst + p * panel + kk * nr);
        }
    }

    /// <summary>Unfold row (c, ky, kx) for output pixels from (oy0, ox0) on, cols of them, into d (zero-filled to nr).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void PackRow(float* plane, in ConvGeometry g, int ky, int kx, int oy0, int ox0, int cols, int nr, float* d)
    {
        if (ox0 + cols <= g.OutW)
        {
            int iy = oy0 * g.StrideH - g.PadH + ky;
            int ix = ox0 * g.StrideW - g.PadW + kx;
            if ((uint)iy >= (uint)g.H) new Span<float>(d, cols).Clear();
            else if (g.StrideW == 1 && ix >= 0 && ix + cols <= g.W)
            {
                float* src = plane + (long)iy * g.W + ix;
                if (cols == 16)
                {
                    // The common interior case: two vector moves instead of a memmove call per row.
                    Vector256.Load(src).Store(d);
                    Vector256.Load(src + 8).Store(d + 8);
                }
                else new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
            }
            else if (g.StrideW == 2 && cols == 16 && ix >= 0 && ix + 32 <= g.W && Stride2Vectorized && Avx2.IsSupported)
            {
                // Stride 2 (the downsampling convs): the even elements of 32 consecutive floats, by in-lane
                // shuffles and a cross-lane permute, instead of 16 bounds-checked scalar loads.
                float* src = plane + (long)iy * g.W + ix;
                Even(Vector256.Load(src), Vector256.Load(src + 8)).Store(d);
                Even(Vector256.Load(src + 16), Vector256.Load(src + 24)).Store(d + 8);
            }
            else
            {
                float* row = plane + (long)iy * g.W;
                for (int j = 0; j < cols; j++, ix += g.StrideW) d[j] = (uint)ix < (uint)g.W ? row[ix] : 0f;
            }
        }
        else
        {
            int oy = oy0, ox = ox0;
            for (int j = 0; j < cols; j++)
            {
                int iy = oy * g.StrideH - g.PadH + ky, ix = ox * g.StrideW - g.PadW + kx;
                d[j] = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W ? plane[(long)iy * g.W + ix] : 0f;
                if (++ox == g.OutW) { ox = 0; oy++; }
            }
        }
        for (int j = cols; j < nr; j++) d[j] = 0f;
    }

    /// <summary>Whether stride-2 rows are packed with vector shuffles (benchmarks switch it off to time the scalar loop).</summary>
    internal static volatile bool Stride2Vectorized = true;

    /// <summary>[a0 a2 a4 a6 b0 b2 b4 b6].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Even(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0x88).AsDouble(), 0xD8).AsSingle();

    internal static void Step(ref int c, ref int ky, ref int kx, int kh, int kw)
    {
        if (++kx < kw) return;
        kx = 0;
        if (++ky < kh) return;
        ky = 0;
        c++;
    }
}

/// <summary>
/// The transpose of <see cref="Im2ColB"/>: B[p, r] (K runs over output pixels), the right operand of the weight
/// gradient dW = dY * unfold(x)ᵀ.
/// </summary>
public readonly unsafe struct Im2ColTransposedB(float* x, ConvGeometry g) : IPackedB
{
    readonly float* _x = x;
    readonly ConvGeometry _g = g;

    /// <inheritdoc />
    public void PackPanels(int k0, int kc, int j0, int n, int nr, int count, float* dst)
    {
        for (int p = 0; p < count; p++)
        {
            int j = j0 + p * nr;
            Pack(k0, kc, j, Math.Min(nr, n - j), nr, dst + (long)p * kc * nr);
        }
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int k0, int kc, int j0, int cols, int nr, float* dst)
    {
        var g = _g;
        int kk2 = g.KH * g.KW;
        int oyStart = k0 / g.OutW, oxStart = k0 % g.OutW;
        int c = j0 / kk2, ky = j0 % kk2 / g.KW, kx = j0 % g.KW;
        for (int j = 0; j < cols; j++, Im2ColB.Step(ref c, ref ky, ref kx, g.KH, g.KW))
        {
            float* plane = _x + (long)c * g.H * g.W;
            int oy = oyStart, ox = oxStart, kk = 0;
            while (kk < kc)
            {
                int run = Math.Min(g.OutW - ox, kc - kk);
                int iy = oy * g.StrideH - g.PadH + ky;
                int ix = ox * g.StrideW - g.PadW + kx;
                float* d = dst + kk * nr + j;
                if ((uint)iy >= (uint)g.H)
                    for (int t = 0; t < run; t++) d[t * nr] = 0f;
                else
                {
                    float* row = plane + (long)iy * g.W;
                    for (int t = 0; t < run; t++, ix += g.StrideW) d[t * nr] = (uint)ix < (uint)g.W ? row[ix] : 0f;
                }
                kk += run; ox = 0; oy++;
            }
        }
        for (int j = cols; j < nr; j++)
            for (int kk = 0; kk < kc; kk++) dst[kk * nr + j] = 0f;
    }
}
