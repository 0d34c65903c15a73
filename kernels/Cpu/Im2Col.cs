using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int k0, int kc, int j0, int cols, int nr, float* dst)
    {
        var g = _g;
        int kk2 = g.KH * g.KW;
        int oy0 = j0 / g.OutW, ox0 = j0 % g.OutW;
        bool oneRow = ox0 + cols <= g.OutW;
        // (c, ky, kx) of row k0, then stepped without divisions.
        int c = k0 / kk2, ky = k0 % kk2 / g.KW, kx = k0 % g.KW;
        for (int kk = 0; kk < kc; kk++, Step(ref c, ref ky, ref kx, g.KH, g.KW))
        {
            float* plane = _x + (long)c * g.H * g.W;
            float* d = dst + kk * nr;
            if (oneRow)
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
    }

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
