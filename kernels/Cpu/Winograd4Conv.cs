using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// 4x4, stride-1 convolutions by Winograd's minimal filtering F(3x3, 4x4): each 3x3 output tile is
/// A^T [ (G g G^T) ⊙ (B^T d B) ] A for its 6x6 input patch d, so 36 products replace the 144 multiply-adds per channel
/// pair of the direct conv (4x fewer). The PatchGAN discriminator's stride-1 conv (256 -> 512 channels at ndf 64) is
/// 60% of its MACs, and at 128 px and above the GEMM path already ran it near this machine's FMA peak, so only fewer
/// multiplications could make it faster (bench/README.md). Serves the forward and the input gradient (itself a 4x4
/// stride-1 conv of dy with the weights transposed and flipped, padding 3 - p).
/// </summary>
/// <remarks>
/// Same data flow as <see cref="WinogradConv"/> (its buffers and transformed-weight cache, <see cref="WinogradConv.Buffers"/>, 36 GEMMs on the GEMM's
/// micro-kernels through <see cref="WinogradConv.MultiplyPoint"/>, one task per point ξ, and the chunk loop
/// <see cref="WinogradConv.RunChunks"/>) and the same interpolation
/// points 0, ±1, ±2, ∞, so B^T is the same matrix. The tiles are taken in row-major order over the whole batch, 8 per
/// group (one per vector lane), and gathered into and scattered from the lanes element by element: the convs this
/// serves have few tiles (25 at 128 px) and hundreds of channels, so the transforms are a small part of the time, and
/// a tile stride of 3 does not deinterleave with in-lane shuffles as the 4-wide tiles do.
/// </remarks>
public static unsafe class Winograd4Conv
{
    /// <summary>Transformed-domain points per tile (6x6).</summary>
    const int Xi = 36;

    /// <summary>
    /// Whether <see cref="Conv2d.Forward"/> takes this path: 4x4 stride 1 with at least 64 input and output channels
    /// and at least 16 tiles (an output of 10x10 or more; at 7x7, 9 tiles, a panel of 32 columns is mostly padding and
    /// the transformed weights, 2.25x the weights, cost more to stream than the multiplies saved).
    /// </summary>
    public static bool Applies(CpuKernelOptions o, in ConvGeometry g) =>
        o.Winograd4 && Supported(g) && g.C >= 64 && g.O >= 64 && (long)g.N * Tiles(g.OutH) * Tiles(g.OutW) >= 16;

    /// <summary>Whether this path can compute the conv at all (the shape and the instruction set; speed aside).</summary>
    public static bool Supported(in ConvGeometry g) =>
        Avx.IsSupported && Fma.IsSupported && g.KH == 4 && g.KW == 4 && g.StrideH == 1 && g.StrideW == 1;

    /// <summary>Whether <see cref="Conv2d.BackwardData"/> takes this path: its adjoint conv (padding 3 - p) by the same rule.</summary>
    public static bool AppliesBackwardData(CpuKernelOptions o, in ConvGeometry g) =>
        Supported(g) && g.PadH <= 3 && g.PadW <= 3 && Applies(o, AdjointGeometry(g));

    static int Tiles(int outSize) => (outSize + 2) / 3;

    /// <summary>The conv dy [N,O,OutH,OutW] -> dx [N,C,H,W] that computes the input gradient of g.</summary>
    static ConvGeometry AdjointGeometry(in ConvGeometry g) =>
        new(g.N, g.O, g.OutH, g.OutW, g.C, 4, 4, 1, 1, 3 - g.PadH, 3 - g.PadW, g.H, g.W);

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null) for a 4x4, stride-1 conv with any zero padding.</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        if (!Supported(g)) throw new ArgumentException($"Winograd F(3x3, 4x4) conv: unsupported geometry {g}.");
        Compute(o, x, w, b, y, g, adjoint: false);
    }

    /// <summary>dx[N,C,H,W] = the input gradient of the 4x4, stride-1 conv g for output gradient dy (w as in the forward).</summary>
    public static void BackwardData(CpuKernelOptions o, float* dy, float* w, float* dx, in ConvGeometry g)
    {
        if (!Supported(g) || g.PadH > 3 || g.PadW > 3) throw new ArgumentException($"Winograd F(3x3, 4x4) conv: unsupported geometry {g}.");
        Compute(o, dy, w, null, dx, AdjointGeometry(g), adjoint: true);
    }

    /// <summary>The geometry of one call, shared by its tasks.</summary>
    readonly struct Plan
    {
        public readonly ConvGeometry G;
        public readonly float* X, W, Bias, Y, U, V, M;
        public readonly bool Use512, Adjoint;
        public readonly int Mr, Nr, OPanels, TilesX, TilesY;
        public readonly long TileCount;
        /// <summary>Floats from one ξ to the next in U, V and M (padded by a cache line, as in <see cref="WinogradConv"/>).</summary>
        public readonly long USlot, VSlot, MSlot;

        public Plan(in ConvGeometry g, float* x, float* w, float* bias, float* y, bool use512, float* u, float* v, float* m, bool adjoint)
        {
            G = g; X = x; W = w; Bias = bias; Y = y; U = u; V = v; M = m;
            Use512 = use512; Adjoint = adjoint;
            Mr = use512 ? 8 : 6;
            Nr = use512 ? 32 : 16;
            OPanels = (g.O + Mr - 1) / Mr;
            TilesX = Tiles(g.OutW);
            TilesY = Tiles(g.OutH);
            TileCount = (long)g.N * TilesX * TilesY;
            USlot = WinogradConv.UXiStride(g.O, g.C, Mr);
            VSlot = (long)g.C * Nr + 16;
            MSlot = (long)OPanels * Mr * Nr + 16;
        }
    }

    /// <summary>
    /// The conv g of x; with <paramref name="adjoint"/>, w is the weight of the conv this one is the input gradient
    /// of ([g.C][g.O][4][4]), read transposed and flipped.
    /// </summary>
    static void Compute(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g, bool adjoint)
    {
        var profile = o.WinogradProfile;
        double t0 = profile?.Now() ?? 0;
        using var buffers = new WinogradConv.Buffers(o, w, g, 16, adjoint, (long)g.N * Tiles(g.OutH) * Tiles(g.OutW));
        var plan = new Plan(g, x, w, b, y, buffers.Use512, buffers.U, buffers.V, buffers.M, adjoint);
        if (!buffers.Fresh)
        {
            Par.Loop(o, 0, buffers.OPanels, ip => TransformWeights(plan, ip));
            buffers.Filled();
        }
        profile?.Lap(0, ref t0);
        WinogradConv.RunChunks(o, g.C, g.O, buffers.Panels, buffers.Chunk, (first, jp, c0, c1) => TransformInput(plan, first, jp, c0, c1),
            (pc, xi) => WinogradConv.MultiplyPoint(plan.U + xi * plan.USlot, plan.V, plan.VSlot, plan.M, plan.MSlot,
                plan.G.C, plan.OPanels, plan.Mr, plan.Nr, plan.Use512, pc, xi),
            (first, jp, o0, o1) => TransformOutput(plan, first, jp, o0, o1), ref t0);
    }

    // ---- weights: U[ξ][o panel][c][MR] = (G g G^T)[ξ] ---------------------------------------------------------

    /// <summary>Transforms the weights of output panel ip (MR output channels, one per lane) for every input channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformWeights(in Plan p, int ip)
    {
        var g = p.G;
        int mr = p.Mr, o0 = ip * mr, rows = Math.Min(mr, g.O - o0);
        // Element (out o, in c, tap k) of the weights: w[o][c][k], or for the adjoint w[c][o][15 - k]: 16 contiguous taps either way.
        long cStride = p.Adjoint ? (long)g.O * 16 : 16, oStride = p.Adjoint ? 16 : (long)g.C * 16;
        bool flip = p.Adjoint;
        float* lanes = stackalloc float[16 * 8];
        new Span<float>(lanes, 128).Clear();
        float** rowsSrc = stackalloc float*[8];
        var h = stackalloc Vector256<float>[24];
        float* dst0 = p.U + (long)ip * g.C * mr;
        for (int c = 0; c < g.C; c++)
        {
            // lanes[k][r] = tap k of lane r's 16 contiguous taps; the adjoint reads them flipped (tap 15 - k) below.
            float* src = p.W + o0 * oStride + c * cStride;
            if (rows == 8)
            {
                for (int r = 0; r < 8; r++) rowsSrc[r] = src + r * oStride;
                Im2ColTransposedB.Transpose8(rowsSrc, 0, lanes, 8);
                Im2ColTransposedB.Transpose8(rowsSrc, 8, lanes + 64, 8);
            }
            else
                for (int r = 0; r < rows; r++)
                    for (int k = 0; k < 16; k++) lanes[k * 8 + r] = src[r * oStride + k];
            // Columns: h[i][col] = (G g)[i][col] for the 4 columns of the kernel.
            for (int col = 0; col < 4; col++)
                G4(Tap(lanes, col, flip), Tap(lanes, 4 + col, flip), Tap(lanes, 8 + col, flip), Tap(lanes, 12 + col, flip),
                    out h[col], out h[4 + col], out h[8 + col], out h[12 + col], out h[16 + col], out h[20 + col]);
            float* dst = dst0 + (long)c * mr;
            bool last = c == g.C - 1 && mr < 8;
            for (int i = 0; i < 6; i++)
            {
                G4(h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5);
                float* d = dst + 6 * i * p.USlot;
                WinogradConv.StoreLanes(d, u0, last); d += p.USlot;
                WinogradConv.StoreLanes(d, u1, last); d += p.USlot;
                WinogradConv.StoreLanes(d, u2, last); d += p.USlot;
                WinogradConv.StoreLanes(d, u3, last); d += p.USlot;
                WinogradConv.StoreLanes(d, u4, last); d += p.USlot;
                WinogradConv.StoreLanes(d, u5, last);
            }
        }
    }

    /// <summary>Tap k of the 8 lanes, or with <paramref name="flip"/> tap 15 - k (the kernel rotated by 180 degrees).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Tap(float* lanes, int k, bool flip) => Vector256.Load(lanes + (flip ? 15 - k : k) * 8);

    /// <summary>
    /// The 6 rows of G [g0; g1; g2; g3] for G = [1/4 0 0 0; -1/6 -1/6 -1/6 -1/6; -1/6 1/6 -1/6 1/6;
    /// 1/24 1/12 1/6 1/3; 1/24 -1/12 1/6 -1/3; 0 0 0 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void G4(Vector256<float> g0, Vector256<float> g1, Vector256<float> g2, Vector256<float> g3,
        out Vector256<float> h0, out Vector256<float> h1, out Vector256<float> h2,
        out Vector256<float> h3, out Vector256<float> h4, out Vector256<float> h5)
    {
        var e = Avx.Add(g0, g2);
        var f = Avx.Add(g1, g3);
        h0 = Avx.Multiply(g0, Vector256.Create(0.25f));
        h1 = Avx.Multiply(Avx.Add(e, f), Vector256.Create(-1f / 6));
        h2 = Avx.Multiply(Avx.Subtract(e, f), Vector256.Create(-1f / 6));
        var q = Fma.MultiplyAdd(g0, Vector256.Create(1f / 24), Avx.Multiply(g2, Vector256.Create(1f / 6)));
        var r = Fma.MultiplyAdd(g1, Vector256.Create(1f / 12), Avx.Multiply(g3, Vector256.Create(1f / 3)));
        h3 = Avx.Add(q, r);
        h4 = Avx.Subtract(q, r);
        h5 = g3;
    }

    // ---- input: V[panel][ξ][c][NR] = (B^T d B)[ξ] ---------------------------------------------------------------

    /// <summary>Transforms channels [c0, c1) of every tile group of panel p0 + jp into V's slot jp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformInput(in Plan p, int p0, int jp, int c0, int c1)
    {
        var g = p.G;
        int nr = p.Nr, h = g.H, w = g.W;
        long planeSize = (long)h * w;
        float* stage = stackalloc float[Xi * 8];
        var e = stackalloc Vector256<float>[36];
        var t = stackalloc Vector256<float>[36];
        long* lanePlane = stackalloc long[8];
        int* laneY = stackalloc int[8], laneX = stackalloc int[8];
        bool* inside = stackalloc bool[8];
        float* vPanel = p.V + (long)jp * Xi * p.VSlot;
        for (int gi = 0; gi < nr / 8; gi++)
        {
            long t0 = ((long)(p0 + jp) * (nr / 8) + gi) * 8;
            float* vg = vPanel + gi * 8;
            if (t0 >= p.TileCount)
            {
                for (int c = c0; c < c1; c++)
                    for (int xi = 0; xi < Xi; xi++) Vector256<float>.Zero.Store(vg + xi * p.VSlot + (long)c * nr);
                continue;
            }
            int lanes = (int)Math.Min(8, p.TileCount - t0);
            for (int l = 0; l < lanes; l++)
            {
                long tile = t0 + l;
                int perImage = p.TilesX * p.TilesY;
                int n = (int)(tile / perImage), rem = (int)(tile % perImage);
                laneY[l] = rem / p.TilesX * 3 - g.PadH;
                laneX[l] = rem % p.TilesX * 3 - g.PadW;
                lanePlane[l] = (long)n * g.C * planeSize;
                inside[l] = laneY[l] >= 0 && laneY[l] + 6 <= h && laneX[l] >= 0 && laneX[l] + 6 <= w;
            }
            if (lanes < 8) new Span<float>(stage, Xi * 8).Clear();
            for (int c = c0; c < c1; c++)
            {
                // Gather: stage[r * 6 + s][lane] = the lane's tile's input at patch row r, column s (0 outside the image).
                for (int l = 0; l < lanes; l++)
                {
                    float* plane = p.X + lanePlane[l] + c * planeSize;
                    int iy0 = laneY[l], ix0 = laneX[l];
                    if (inside[l])
                    {
                        float* src = plane + (long)iy0 * w + ix0;
                        for (int r = 0; r < 6; r++, src += w)
                            for (int s = 0; s < 6; s++) stage[(r * 6 + s) * 8 + l] = src[s];
                        continue;
                    }
                    for (int r = 0; r < 6; r++)
                    {
                        int iy = iy0 + r;
                        for (int s = 0; s < 6; s++)
                        {
                            int ix = ix0 + s;
                            stage[(r * 6 + s) * 8 + l] = (uint)iy < (uint)h && (uint)ix < (uint)w ? plane[(long)iy * w + ix] : 0f;
                        }
                    }
                }
                for (int k = 0; k < 36; k++) e[k] = Vector256.Load(stage + k * 8);
                // Columns of the patch: t[i][s] = (B^T d)[i][s]; then rows: (B^T d B)[i][j] into ξ = 6 i + j.
                for (int s = 0; s < 6; s++)
                    WinogradConv.BT6(e[s], e[6 + s], e[12 + s], e[18 + s], e[24 + s], e[30 + s],
                        out t[s], out t[6 + s], out t[12 + s], out t[18 + s], out t[24 + s], out t[30 + s]);
                float* dst = vg + (long)c * nr;
                for (int i = 0; i < 6; i++)
                {
                    Vector256<float>* ti = t + i * 6;
                    WinogradConv.BT6(ti[0], ti[1], ti[2], ti[3], ti[4], ti[5], out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
                    float* d = dst + 6 * i * p.VSlot;
                    v0.Store(d); d += p.VSlot;
                    v1.Store(d); d += p.VSlot;
                    v2.Store(d); d += p.VSlot;
                    v3.Store(d); d += p.VSlot;
                    v4.Store(d); d += p.VSlot;
                    v5.Store(d);
                }
            }
        }
    }

    // ---- output: y tile = A^T m A + bias ------------------------------------------------------------------------

    /// <summary>Writes output channels [o0, o1) of every tile group of panel p0 + jp from M's slot jp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformOutput(in Plan p, int p0, int jp, int o0, int o1)
    {
        var g = p.G;
        int nr = p.Nr;
        var s = stackalloc Vector256<float>[18];
        float* stage = stackalloc float[9 * 8];
        long* laneOut = stackalloc long[8];
        int* laneRows = stackalloc int[8], laneCols = stackalloc int[8];
        long outPlane = (long)g.OutH * g.OutW;
        for (int gi = 0; gi < nr / 8; gi++)
        {
            long t0 = ((long)(p0 + jp) * (nr / 8) + gi) * 8;
            if (t0 >= p.TileCount) break;
            int lanes = (int)Math.Min(8, p.TileCount - t0);
            for (int l = 0; l < lanes; l++)
            {
                long tile = t0 + l;
                int perImage = p.TilesX * p.TilesY;
                int n = (int)(tile / perImage), rem = (int)(tile % perImage);
                int oy0 = rem / p.TilesX * 3, ox0 = rem % p.TilesX * 3;
                laneRows[l] = Math.Min(3, g.OutH - oy0);
                laneCols[l] = Math.Min(3, g.OutW - ox0);
                laneOut[l] = (long)n * g.O * outPlane + (long)oy0 * g.OutW + ox0;
            }
            float* mg = p.M + (long)jp * Xi * p.MSlot + gi * 8;
            for (int o = o0; o < o1; o++)
            {
                float* mo = mg + (long)o * nr;
                // Columns j of the 6x6: s[k][j] = (A^T m)[k][j].
                for (int j = 0; j < 6; j++)
                    AT3(Vector256.Load(mo + j * p.MSlot), Vector256.Load(mo + (6 + j) * p.MSlot), Vector256.Load(mo + (12 + j) * p.MSlot),
                        Vector256.Load(mo + (18 + j) * p.MSlot), Vector256.Load(mo + (24 + j) * p.MSlot), Vector256.Load(mo + (30 + j) * p.MSlot),
                        out s[j], out s[6 + j], out s[12 + j]);
                var bias = Vector256.Create(p.Bias == null ? 0f : p.Bias[o]);
                for (int k = 0; k < 3; k++)
                {
                    Vector256<float>* sk = s + k * 6;
                    AT3(sk[0], sk[1], sk[2], sk[3], sk[4], sk[5], out var y0, out var y1, out var y2);
                    Avx.Add(y0, bias).Store(stage + (k * 3) * 8);
                    Avx.Add(y1, bias).Store(stage + (k * 3 + 1) * 8);
                    Avx.Add(y2, bias).Store(stage + (k * 3 + 2) * 8);
                }
                // Scatter: each lane's 3x3 tile (clipped at the output's right and bottom edges).
                for (int l = 0; l < lanes; l++)
                {
                    float* dst = p.Y + laneOut[l] + o * outPlane;
                    for (int k = 0; k < laneRows[l]; k++, dst += g.OutW)
                        for (int j = 0; j < laneCols[l]; j++) dst[j] = stage[(k * 3 + j) * 8 + l];
                }
            }
        }
    }

    /// <summary>A^T applied to a 6-vector, for A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AT3(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5,
        out Vector256<float> s0, out Vector256<float> s1, out Vector256<float> s2)
    {
        var a = Avx.Add(m1, m2);
        var b = Avx.Subtract(m1, m2);
        var c = Avx.Add(m3, m4);
        var d = Avx.Subtract(m3, m4);
        s0 = Avx.Add(Avx.Add(m0, a), c);
        s1 = Fma.MultiplyAdd(d, Vector256.Create(2f), b);
        s2 = Avx.Add(Fma.MultiplyAdd(c, Vector256.Create(4f), a), m5);
    }
}
