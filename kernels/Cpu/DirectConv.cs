using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Convolutions with very few output channels as direct loops, forward and weight gradient. The forward (unpadded,
/// stride 1: an image generator's last layer, 64 -> 3 channels, 7x7, at 256x256) takes each output row 32 pixels at
/// a time in 4 vectors; every input row segment is loaded once per tap and multiplied into the accumulators of up to
/// 3 output channels. The weight gradient (stride 1, any padding) is dot products over pixels.
/// </summary>
/// <remarks>
/// Added for speed (issue 6): as a GEMM (M = out channels) this conv spends its time packing the unfolded input,
/// each packed element then feeding only 3 multiply-adds; here each load feeds 3 FMAs with no packing at all.
/// </remarks>
public static unsafe class DirectConv
{
    /// <summary>Output channels up to which the direct loops beat the GEMM (whose packing would feed too few FMAs).</summary>
    public const int MaxOutputChannels = 4;

    /// <summary>
    /// Whether this path computes the conv: stride 1, no padding, and either at most 4 output channels with enough
    /// work per output and rows of 8+ columns (a PatchGAN's 1-channel head, whose GEMM would pad 1 row to 8 and pack
    /// the whole unfolded input), or, on rows of 32+ columns, fewer than 8 input channels with a kernel of 3x3 or more (an
    /// image-reading first layer, where the GEMM's inner dimension C*K*K is too short to pay for packing; measured
    /// with `bench conv-paths`, bench/README.md).
    /// </summary>
    public static bool Applies(CpuKernelOptions o, in ConvGeometry g) =>
        o.DirectConv && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0
        && ((g.O <= MaxOutputChannels && g.ColRows >= 64 && g.OutW >= 8) || (g.C < 8 && g.KH * g.KW >= 9 && g.OutW >= 32));

    /// <summary>
    /// Whether a zero-padded conv takes this path after its input is copied into a padded buffer (the copy is C*H*W
    /// floats; the GEMM it replaces would pack C*K*K floats per output pixel). This is how the input gradient of an
    /// image-producing last layer runs: the adjoint conv of a 16 -> 3, 7x7 conv is a 3 -> 16 conv with padding 6.
    /// </summary>
    public static bool AppliesPadded(CpuKernelOptions o, in ConvGeometry g) => (g.PadH > 0 || g.PadW > 0) && Applies(o, Unpadded(g));

    /// <summary>The same conv on the input padded explicitly.</summary>
    static ConvGeometry Unpadded(in ConvGeometry g) =>
        g with { H = g.H + 2 * g.PadH, W = g.W + 2 * g.PadW, PadH = 0, PadW = 0 };

    /// <summary>y = conv2d(x, w) + b for a padded conv <see cref="AppliesPadded"/> accepts, through a padded copy of x.</summary>
    public static void ForwardPadded(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        var gp = Unpadded(g);
        float* xp = Scratch.GetSecond((long)g.N * gp.InputPlane);
        var geo = g;
        long planes = (long)g.N * g.C;
        Par.For(o, planes, Math.Max(1, 65536 / ((long)gp.H * gp.W)), (p0, p1) =>
        {
            for (long p = p0; p < p1; p++)
            {
                float* src = x + p * geo.H * geo.W;
                float* dst = xp + p * gp.H * gp.W;
                new Span<float>(dst, geo.PadH * gp.W).Clear();
                for (int r = 0; r < geo.H; r++)
                {
                    float* row = dst + (long)(r + geo.PadH) * gp.W;
                    new Span<float>(row, geo.PadW).Clear();
                    new ReadOnlySpan<float>(src + (long)r * geo.W, geo.W).CopyTo(new Span<float>(row + geo.PadW, geo.W));
                    new Span<float>(row + geo.PadW + geo.W, geo.PadW).Clear();
                }
                new Span<float>(dst + (long)(geo.H + geo.PadH) * gp.W, geo.PadH * gp.W).Clear();
            }
        });
        Forward(o, xp, w, b, y, gp);
    }

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null), stride 1, no padding.</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        if (g.StrideH != 1 || g.StrideW != 1 || g.PadH != 0 || g.PadW != 0)
            throw new ArgumentException($"direct conv: needs stride 1 and no padding, not {g}.");
        var geo = g;
        int rows = g.N * g.OutH;
        // Input channels are taken in blocks whose rows (KH of them per output row) stay in L2 across the band of
        // output rows; the accumulators go through y between blocks.
        int cBlock = (int)Math.Clamp(o.DirectConvBlockBytes / ((long)g.KH * g.W * sizeof(float)), 1, g.C);
        // Chunks of about a million multiply-adds: rows of a 64-channel first layer are 25x the work of a 3-channel head's.
        long rowMacs = Math.Max(1L, (long)g.OutW * g.O * g.ColRows);
        Par.For(o, rows, Math.Max(1, (1L << 20) / rowMacs), (r0, r1) =>
        {
            for (int c0 = 0; c0 < geo.C; c0 += cBlock)
            {
                int c1 = Math.Min(geo.C, c0 + cBlock);
                for (long r = r0; r < r1; r++)
                {
                    int n = (int)(r / geo.OutH), oy = (int)(r % geo.OutH);
                    for (int o0 = 0; o0 < geo.O; o0 += 3)
                    {
                        int oc = Math.Min(3, geo.O - o0);
                        if (oc == 3) Row<Three>(x, w, b, y, geo, n, o0, oy, c0, c1);
                        else if (oc == 2) Row<Two>(x, w, b, y, geo, n, o0, oy, c0, c1);
                        else Row<One>(x, w, b, y, geo, n, o0, oy, c0, c1);
                    }
                }
            }
        });
    }

    interface ICount { static abstract int N { get; } }
    struct One : ICount { public static int N => 1; }
    struct Two : ICount { public static int N => 2; }
    struct Three : ICount { public static int N => 3; }
    struct Four : ICount { public static int N => 4; }

    /// <summary>
    /// Output row oy of channels o0 .. o0 + T.N - 1 of image n, input channels [c0, c1): starts from the bias when c0
    /// is 0, else adds to what y holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Row<T>(float* x, float* w, float* b, float* y, in ConvGeometry g, int n, int o0, int oy, int c0, int c1) where T : struct, ICount
    {
        int kh = g.KH, kw = g.KW, kk = kh * kw, c = g.C;
        long plane = (long)g.H * g.W, wStride = (long)c * kk;
        float* xn = x + (long)n * g.InputPlane;
        float* w0 = w + o0 * wStride;
        float* w1 = T.N > 1 ? w0 + wStride : w0;
        float* w2 = T.N > 2 ? w1 + wStride : w0;
        float b0 = b == null ? 0f : b[o0], b1 = b == null || T.N < 2 ? 0f : b[o0 + 1], b2 = b == null || T.N < 3 ? 0f : b[o0 + 2];
        bool first = c0 == 0;
        long outPlane = (long)g.OutH * g.OutW;
        float* y0 = y + ((long)n * g.O + o0) * outPlane + (long)oy * g.OutW;
        float* y1 = y0 + outPlane, y2 = y1 + outPlane;
        int ox = 0;
        for (; ox + 32 <= g.OutW; ox += 32) Block<T>(xn, w0, w1, w2, b0, b1, b2, y0, y1, y2, g, oy, c0, c1, first, ox, ox + 8, ox + 16, ox + 24);
        // A row of 8 to 31 columns (a PatchGAN's 1-channel head): one block of vectors at 8-column steps, the last
        // ending at the row's end. Overlapping vectors start from the same accumulators (all loads precede all
        // stores within a block) and add the same terms, so their shared lanes agree. Wider rows keep the scalar
        // tail: there the tail's loads would follow the previous block's stores.
        if (ox == 0 && g.OutW >= 8)
        {
            int last = g.OutW - 8;
            Block<T>(xn, w0, w1, w2, b0, b1, b2, y0, y1, y2, g, oy, c0, c1, first,
                Math.Min(ox, last), Math.Min(ox + 8, last), Math.Min(ox + 16, last), Math.Min(ox + 24, last));
            ox = g.OutW;
        }
        // Remaining columns one at a time (none when the width is a multiple of 32 or under 32).
        for (; ox < g.OutW; ox++)
        {
            float s0 = first ? b0 : y0[ox], s1 = first ? b1 : T.N > 1 ? y1[ox] : 0f, s2 = first ? b2 : T.N > 2 ? y2[ox] : 0f;
            for (int ci = c0; ci < c1; ci++)
            {
                float* xc = xn + ci * plane + (long)oy * g.W + ox;
                long wo = (long)ci * kk;
                for (int ky = 0; ky < kh; ky++, wo += kw)
                {
                    float* row = xc + (long)ky * g.W;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        float xv = row[kx];
                        s0 += w0[wo + kx] * xv;
                        if (T.N > 1) s1 += w1[wo + kx] * xv;
                        if (T.N > 2) s2 += w2[wo + kx] * xv;
                    }
                }
            }
            y0[ox] = s0;
            if (T.N > 1) y1[ox] = s1;
            if (T.N > 2) y2[ox] = s2;
        }
    }


    /// <summary>
    /// Output columns [q, q + 8) for each of the four offsets q0..q3 of row oy (channels o0 .. o0 + T.N - 1), input
    /// channels [c0, c1): 4 vectors per channel, so up to 12 independent accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Block<T>(float* xn, float* w0, float* w1, float* w2, float b0, float b1, float b2, float* y0, float* y1, float* y2,
        in ConvGeometry g, int oy, int c0, int c1, bool first, int q0, int q1, int q2, int q3) where T : struct, ICount
    {
        int kh = g.KH, kw = g.KW, kk = kh * kw;
        long plane = (long)g.H * g.W;
        Vector256<float> a00, a01, a02, a03, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        if (first)
        {
            a00 = a01 = a02 = a03 = Vector256.Create(b0);
            if (T.N > 1) a10 = a11 = a12 = a13 = Vector256.Create(b1);
            if (T.N > 2) a20 = a21 = a22 = a23 = Vector256.Create(b2);
        }
        else
        {
            a00 = Vector256.Load(y0 + q0); a01 = Vector256.Load(y0 + q1); a02 = Vector256.Load(y0 + q2); a03 = Vector256.Load(y0 + q3);
            if (T.N > 1) { a10 = Vector256.Load(y1 + q0); a11 = Vector256.Load(y1 + q1); a12 = Vector256.Load(y1 + q2); a13 = Vector256.Load(y1 + q3); }
            if (T.N > 2) { a20 = Vector256.Load(y2 + q0); a21 = Vector256.Load(y2 + q1); a22 = Vector256.Load(y2 + q2); a23 = Vector256.Load(y2 + q3); }
        }
        for (int ci = c0; ci < c1; ci++)
        {
            float* xc = xn + ci * plane + (long)oy * g.W;
            long wo = (long)ci * kk;
            for (int ky = 0; ky < kh; ky++, wo += kw)
            {
                float* row = xc + (long)ky * g.W;
                for (int kx = 0; kx < kw; kx++)
                {
                    // Weights first, then one input vector at a time: 12 accumulators + 3 weights + 1 input
                    // fit the 16 ymm registers (loading all 4 inputs first spilled).
                    var v0 = Vector256.Create(w0[wo + kx]);
                    var v1 = T.N > 1 ? Vector256.Create(w1[wo + kx]) : default;
                    var v2 = T.N > 2 ? Vector256.Create(w2[wo + kx]) : default;
                    float* p = row + kx;
                    var xv = Vector256.Load(p + q0);
                    a00 = Vector256.FusedMultiplyAdd(v0, xv, a00);
                    if (T.N > 1) a10 = Vector256.FusedMultiplyAdd(v1, xv, a10);
                    if (T.N > 2) a20 = Vector256.FusedMultiplyAdd(v2, xv, a20);
                    xv = Vector256.Load(p + q1);
                    a01 = Vector256.FusedMultiplyAdd(v0, xv, a01);
                    if (T.N > 1) a11 = Vector256.FusedMultiplyAdd(v1, xv, a11);
                    if (T.N > 2) a21 = Vector256.FusedMultiplyAdd(v2, xv, a21);
                    xv = Vector256.Load(p + q2);
                    a02 = Vector256.FusedMultiplyAdd(v0, xv, a02);
                    if (T.N > 1) a12 = Vector256.FusedMultiplyAdd(v1, xv, a12);
                    if (T.N > 2) a22 = Vector256.FusedMultiplyAdd(v2, xv, a22);
                    xv = Vector256.Load(p + q3);
                    a03 = Vector256.FusedMultiplyAdd(v0, xv, a03);
                    if (T.N > 1) a13 = Vector256.FusedMultiplyAdd(v1, xv, a13);
                    if (T.N > 2) a23 = Vector256.FusedMultiplyAdd(v2, xv, a23);
                }
            }
        }
        a00.Store(y0 + q0); a01.Store(y0 + q1); a02.Store(y0 + q2); a03.Store(y0 + q3);
        if (T.N > 1) { a10.Store(y1 + q0); a11.Store(y1 + q1); a12.Store(y1 + q2); a13.Store(y1 + q3); }
        if (T.N > 2) { a20.Store(y2 + q0); a21.Store(y2 + q1); a22.Store(y2 + q2); a23.Store(y2 + q3); }
    }

    /// <summary>
    /// Whether <see cref="BackwardWeight"/> computes the weight gradient: stride 1 (any padding), rows of at least one
    /// vector, and at most <see cref="MaxOutputChannels"/> output channels or fewer than 8 input channels (an
    /// image-reading first layer, whose GEMM form packs C*K*K rows of every pixel; measured with `bench conv-paths`,
    /// bench/README.md).
    /// </summary>
    public static bool AppliesBackwardWeight(CpuKernelOptions o, in ConvGeometry g) =>
        o.DirectConv && (g.O <= MaxOutputChannels || g.C < 8) && g.StrideH == 1 && g.StrideW == 1 && g.OutW >= 8;

    /// <summary>
    /// The weight gradient of a stride-1 conv with few output channels (an image-producing last layer, a PatchGAN's
    /// 1-channel head) as direct dot products over pixels. The GEMM form would pack the whole unfolded input to use
    /// each value only O times, which made these small layers cost as much as the large ones.
    /// </summary>
    /// <remarks>
    /// A task owns one (input channel, kernel row) pair. Up to 3 output channels and 4 adjacent taps of that row are
    /// accumulated at once in 12 vector registers: each 8 pixels load the output gradients once per channel and the
    /// input once per tap, so every load feeds up to 3 FMAs (one tap and channel at a time kept the accumulators in
    /// memory; `bench conv-paths 16 70 3 7 1 0` times this form, bench/README.md).
    /// </remarks>
    public static void BackwardWeight(CpuKernelOptions o, float* x, float* dy, float* dw, in ConvGeometry g)
    {
        if (g.StrideH != 1 || g.StrideW != 1) throw new ArgumentException($"direct weight gradient: needs stride 1, not {g}.");
        var geo = g;
        Par.For(o, (long)g.C * g.KH, 1, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                int c = (int)(r / geo.KH), ky = (int)(r % geo.KH);
                for (int o0 = 0; o0 < geo.O; o0 += 3)
                    for (int kx0 = 0; kx0 < geo.KW; kx0 += 4)
                    {
                        int oc = Math.Min(3, geo.O - o0);
                        if (oc == 3) Taps<Three>(x, dy, dw, geo, c, ky, o0, kx0);
                        else if (oc == 2) Taps<Two>(x, dy, dw, geo, c, ky, o0, kx0);
                        else Taps<One>(x, dy, dw, geo, c, ky, o0, kx0);
                    }
            }
        });
    }

    static void Taps<T>(float* x, float* dy, float* dw, in ConvGeometry g, int c, int ky, int o0, int kx0) where T : struct, ICount
    {
        switch (Math.Min(4, g.KW - kx0))
        {
            case 4: Taps<T, Four>(x, dy, dw, g, c, ky, o0, kx0); break;
            case 3: Taps<T, Three>(x, dy, dw, g, c, ky, o0, kx0); break;
            case 2: Taps<T, Two>(x, dy, dw, g, c, ky, o0, kx0); break;
            default: Taps<T, One>(x, dy, dw, g, c, ky, o0, kx0); break;
        }
    }

    /// <summary>dw[o0 .. o0 + T.N - 1, c, ky, kx0 .. kx0 + K.N - 1], summed over the batch and every output pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Taps<T, K>(float* x, float* dy, float* dw, in ConvGeometry g, int c, int ky, int o0, int kx0)
        where T : struct, ICount where K : struct, ICount
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        // Columns where every tap of the group reads inside the image go 8 at a time; the rest (padding) one by one.
        int lo = Math.Max(0, g.PadW - kx0), hi = Math.Min(g.OutW, g.W + g.PadW - kx0 - (K.N - 1));
        double* edge = stackalloc double[12];
        for (int e = 0; e < 12; e++) edge[e] = 0;
        int vecEnd = hi - lo >= 8 ? lo + (hi - lo) / 8 * 8 : lo;
        bool edges = false;
        for (int k = 0; k < K.N; k++)
            edges |= Math.Max(0, g.PadW - kx0 - k) < lo || Math.Min(g.OutW, g.W + g.PadW - kx0 - k) > vecEnd;
        long outPlane = g.OutPixels;
        for (int n = 0; n < g.N; n++)
            for (int oy = 0; oy < g.OutH; oy++)
            {
                int iy = oy - g.PadH + ky;
                if ((uint)iy >= (uint)g.H) continue;
                // xr[ox + k] is the input under tap kx0 + k for output column ox.
                float* xr = x + (long)n * g.InputPlane + ((long)c * g.H + iy) * g.W - g.PadW + kx0;
                float* d0 = dy + ((long)n * g.O + o0) * outPlane + (long)oy * g.OutW;
                float* d1 = d0 + outPlane, d2 = d1 + outPlane;
                int ox = lo;
                for (; ox + 8 <= hi; ox += 8)
                {
                    var e0 = Vector256.Load(d0 + ox);
                    var e1 = T.N > 1 ? Vector256.Load(d1 + ox) : default;
                    var e2 = T.N > 2 ? Vector256.Load(d2 + ox) : default;
                    var xv = Vector256.Load(xr + ox);
                    a00 = Vector256.FusedMultiplyAdd(e0, xv, a00);
                    if (T.N > 1) a10 = Vector256.FusedMultiplyAdd(e1, xv, a10);
                    if (T.N > 2) a20 = Vector256.FusedMultiplyAdd(e2, xv, a20);
                    if (K.N > 1)
                    {
                        xv = Vector256.Load(xr + ox + 1);
                        a01 = Vector256.FusedMultiplyAdd(e0, xv, a01);
                        if (T.N > 1) a11 = Vector256.FusedMultiplyAdd(e1, xv, a11);
                        if (T.N > 2) a21 = Vector256.FusedMultiplyAdd(e2, xv, a21);
                    }
                    if (K.N > 2)
                    {
                        xv = Vector256.Load(xr + ox + 2);
                        a02 = Vector256.FusedMultiplyAdd(e0, xv, a02);
                        if (T.N > 1) a12 = Vector256.FusedMultiplyAdd(e1, xv, a12);
                        if (T.N > 2) a22 = Vector256.FusedMultiplyAdd(e2, xv, a22);
                    }
                    if (K.N > 3)
                    {
                        xv = Vector256.Load(xr + ox + 3);
                        a03 = Vector256.FusedMultiplyAdd(e0, xv, a03);
                        if (T.N > 1) a13 = Vector256.FusedMultiplyAdd(e1, xv, a13);
                        if (T.N > 2) a23 = Vector256.FusedMultiplyAdd(e2, xv, a23);
                    }
                }
                // Columns [lo, ox) went through the vectors; each tap's other in-image columns are summed here.
                if (!edges) continue;
                for (int k = 0; k < K.N; k++)
                {
                    int klo = Math.Max(0, g.PadW - kx0 - k), khi = Math.Min(g.OutW, g.W + g.PadW - kx0 - k);
                    for (int q = 0; q < T.N; q++)
                    {
                        float* d = d0 + q * outPlane;
                        double s = 0;
                        for (int t = klo; t < Math.Min(lo, khi); t++) s += d[t] * xr[t + k];
                        for (int t = Math.Max(ox, klo); t < khi; t++) s += d[t] * xr[t + k];
                        edge[q * 4 + k] += s;
                    }
                }
            }
        int kk = g.KH * g.KW;
        float* w0 = dw + ((long)o0 * g.C + c) * kk + ky * g.KW + kx0;
        long wStride = (long)g.C * kk;
        Store(w0, edge, a00, a01, a02, a03);
        if (T.N > 1) Store(w0 + wStride, edge + 4, a10, a11, a12, a13);
        if (T.N > 2) Store(w0 + 2 * wStride, edge + 8, a20, a21, a22, a23);

        static void Store(float* w, double* edge, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
        {
            w[0] = (float)(edge[0] + Vector256.Sum(v0));
            if (K.N > 1) w[1] = (float)(edge[1] + Vector256.Sum(v1));
            if (K.N > 2) w[2] = (float)(edge[2] + Vector256.Sum(v2));
            if (K.N > 3) w[3] = (float)(edge[3] + Vector256.Sum(v3));
        }
    }
}
