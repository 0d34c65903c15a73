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
        if (cols == 16 && ox0 + 16 <= g.OutW)
        {
            int iy = oy0 * g.StrideH - g.PadH + ky;
            if ((uint)iy < (uint)g.H)
            {
                int ix = ox0 * g.StrideW - g.PadW + kx;
                float* src = plane + (long)iy * g.W + ix;
                if (g.StrideW == 1 && ix >= 0 && ix + 16 <= g.W)
                {
                    // The common interior case: two vector moves instead of a memmove call per row.
                    Vector256.Load(src).Store(d);
                    Vector256.Load(src + 8).Store(d + 8);
                    if (nr > 16) new Span<float>(d + 16, nr - 16).Clear();
                    return;
                }
                if (g.StrideW == 2 && ix >= 0 && ix + 32 <= g.W && Avx2.IsSupported)
                {
                    // Stride 2 (the downsampling convs): the even elements of 32 consecutive floats, by in-lane
                    // shuffles and a cross-lane permute, instead of 16 strided scalar loads.
                    Even(Vector256.Load(src), Vector256.Load(src + 8)).Store(d);
                    Even(Vector256.Load(src + 16), Vector256.Load(src + 24)).Store(d + 8);
                    if (nr > 16) new Span<float>(d + 16, nr - 16).Clear();
                    return;
                }
            }
        }
        // The panel's pixels split into runs along output rows; each run is one strided (for stride 1,
        // contiguous) stretch of an input row with zeros where it leaves the image.
        int oy = oy0, ox = ox0;
        for (int j = 0; j < cols;)
        {
            int run = Math.Min(g.OutW - ox, cols - j);
            Segment(g, plane, oy, ox, ky, kx, d + j, run);
            j += run; ox = 0; oy++;
        }
        for (int j = cols; j < nr; j++) d[j] = 0f;
    }

    /// <summary>[a0 a2 a4 a6 b0 b2 b4 b6].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Even(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0x88).AsDouble(), 0xD8).AsSingle();

    /// <summary>Unfold row (c, ky, kx) at output pixels (oy, ox .. ox + run - 1) into d; zero outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Segment(in ConvGeometry g, float* plane, int oy, int ox, int ky, int kx, float* d, int run)
    {
        int iy = oy * g.StrideH - g.PadH + ky;
        if ((uint)iy >= (uint)g.H)
        {
            new Span<float>(d, run).Clear();
            return;
        }
        float* row = plane + (long)iy * g.W;
        int s = g.StrideW, ix0 = ox * s - g.PadW + kx;
        // Pixels t in [lo, hi) read inside the row: 0 <= ix0 + t*s < W.
        int lo = Math.Min(run, ix0 >= 0 ? 0 : (-ix0 + s - 1) / s);
        int hi = ix0 >= g.W ? lo : Math.Max(lo, Math.Min(run, (g.W - 1 - ix0) / s + 1));
        if (lo > 0) new Span<float>(d, lo).Clear();
        if (s == 1) new ReadOnlySpan<float>(row + ix0 + lo, hi - lo).CopyTo(new Span<float>(d + lo, hi - lo));
        else for (int t = lo; t < hi; t++) d[t] = row[ix0 + t * s];
        if (hi < run) new Span<float>(d + hi, run - hi).Clear();
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
        // Each packed line holds one output pixel's value of nr unfold rows: a transpose of rows that are
        // contiguous along pixels. Eight rows by eight pixels go through registers at once (an 8x8 transpose),
        // which profiles showed to matter: element-by-element strided stores made this the weight gradient's
        // largest cost.
        int* colC = stackalloc int[cols], colKy = stackalloc int[cols], colKx = stackalloc int[cols];
        {
            int c = j0 / kk2, ky = j0 % kk2 / g.KW, kx = j0 % g.KW;
            for (int j = 0; j < cols; j++, Im2ColB.Step(ref c, ref ky, ref kx, g.KH, g.KW)) { colC[j] = c; colKy[j] = ky; colKx[j] = kx; }
        }
        bool simd = Avx.IsSupported && g.StrideW == 1;
        float** src = stackalloc float*[8];
        int oy = k0 / g.OutW, ox = k0 % g.OutW, kk = 0;
        while (kk < kc)
        {
            int run = Math.Min(g.OutW - ox, kc - kk);
            for (int jg = 0; jg < cols; jg += 8)
            {
                int n8 = Math.Min(8, cols - jg);
                // Pixels [lo, hi) of the run are inside the image for all eight rows; those go eight at a time.
                int lo = 0, hi = 0;
                if (simd && n8 == 8 && run >= 8)
                {
                    hi = run;
                    for (int q = 0; q < 8; q++)
                    {
                        int j = jg + q;
                        int iy = oy * g.StrideH - g.PadH + colKy[j], ix = ox - g.PadW + colKx[j];
                        if ((uint)iy >= (uint)g.H) { hi = 0; break; }
                        lo = Math.Max(lo, -ix);
                        hi = Math.Min(hi, g.W - ix);
                        src[q] = _x + ((long)colC[j] * g.H + iy) * g.W + ix;
                    }
                    if (hi - lo < 8) hi = lo = 0;
                    else hi = lo + (hi - lo) / 8 * 8;
                    for (int t = lo; t < hi; t += 8)
                        Transpose8(src, t, dst + (long)(kk + t) * nr + jg, nr);
                }
                for (int q = 0; q < n8; q++)
                {
                    int j = jg + q;
                    PackScalar(g, colC[j], colKy[j], colKx[j], oy, ox, 0, lo, dst + (long)kk * nr + j, nr);
                    PackScalar(g, colC[j], colKy[j], colKx[j], oy, ox, hi, run, dst + (long)kk * nr + j, nr);
                }
            }
            kk += run; ox = 0; oy++;
        }
        for (int j = cols; j < nr; j++)
            for (kk = 0; kk < kc; kk++) dst[kk * nr + j] = 0f;
    }

    /// <summary>Pixels [t0, t1) of a run starting at (oy, ox) for unfold row (c, ky, kx), one per packed line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void PackScalar(in ConvGeometry g, int c, int ky, int kx, int oy, int ox, int t0, int t1, float* d, int nr)
    {
        if (t0 >= t1) return;
        d += (long)t0 * nr;
        int iy = oy * g.StrideH - g.PadH + ky;
        if ((uint)iy >= (uint)g.H)
        {
            for (int u = t0; u < t1; u++, d += nr) *d = 0f;
            return;
        }
        float* row = _x + ((long)c * g.H + iy) * g.W;
        int ix = (ox + t0) * g.StrideW - g.PadW + kx;
        for (int u = t0; u < t1; u++, ix += g.StrideW, d += nr) *d = (uint)ix < (uint)g.W ? row[ix] : 0f;
    }

    /// <summary>dst[i * ld + q] = src[q][t + i] for i, q &lt; 8: eight rows of eight pixels transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(float** src, int t, float* dst, int ld)
    {
        var r0 = Avx.LoadVector256(src[0] + t); var r1 = Avx.LoadVector256(src[1] + t);
        var r2 = Avx.LoadVector256(src[2] + t); var r3 = Avx.LoadVector256(src[3] + t);
        var r4 = Avx.LoadVector256(src[4] + t); var r5 = Avx.LoadVector256(src[5] + t);
        var r6 = Avx.LoadVector256(src[6] + t); var r7 = Avx.LoadVector256(src[7] + t);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ld, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ld, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ld, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ld, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ld, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ld, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ld, Avx.Permute2x128(s3, s7, 0x31));
    }
}
