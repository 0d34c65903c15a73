using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// 3x3, stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3): each 4x4 output tile is
/// A^T [ (G g G^T) ⊙ (B^T d B) ] A for its 6x6 input patch d, so the 36 products of the transformed domain replace
/// the 144 multiply-adds per channel pair of the direct conv (4x fewer). The products summed over channels are 36
/// independent GEMMs [O x C] x [C x tiles], run on <see cref="Gemm"/>'s micro-kernels. Serves the forward and the
/// input gradient (itself a 3x3 stride-1 conv of dy with the weights transposed and flipped).
/// </summary>
/// <remarks>
/// Added for speed (issue 6): the ResNet generator's residual convs (3x3, 256 -> 256 channels at 64x64) were two
/// thirds of its forward time and already ran near the GEMM's peak, so only fewer multiplications could make them
/// faster (bench/README.md).
/// <para>
/// Data flow, per chunk of tile panels: (1) the input transform writes V[panel][ξ][c][NR] straight in the GEMM's
/// packed-B layout, (2) for each ξ of the 36 (one task each, so U[ξ] stays in the core's L2) the micro-kernel
/// multiplies the packed transformed weights U[ξ][o-panel][c][MR] by every V panel into M[panel][ξ][o][NR],
/// (3) the output transform reads the 36 values of each (o, tile), adds the bias and writes the 4x4 tile.
/// The transformed weights are cached between calls (<see cref="WeightCache"/>).
/// </para>
/// <para>
/// The transforms run on 8 tiles at once, one per lane: a group is 8 horizontally adjacent tiles (32 output
/// columns, 36 input columns), deinterleaved with in-lane shuffles into per-phase vectors whose lanes hold the
/// tiles in the order 0,2,4,6,1,3,5,7. The order only has to agree between the input and the output transforms
/// (the GEMM treats columns independently), and the output transform's interleave undoes it. Tile rows are
/// padded to whole groups; the padding tiles compute on zeros and are not stored.
/// </para>
/// <para>
/// Error (interpolation points 0, ±1, ±2, ∞; `bench winograd errors`, float64 direct conv as reference, 256
/// channels at 64x64): max |error| 1.2e-5 to 1.7e-5 of max |y| (rms 2.7e-6 to 3.2e-6), against 2.6e-7 to 3.8e-7 for
/// the GEMM path; plain float32 loops of F(4x4) give the same, F(2x2, 3x3) about 5e-7. F(4x4) was kept: its error is
/// far below the tests' 1e-4 and an 8-bit image's 4e-3 step, and it saves 4x the multiplies to F(2x2)'s 2.25x.
/// </para>
/// </remarks>
public static unsafe class WinogradConv
{
    /// <summary>Transformed-domain points per tile (6x6).</summary>
    const int Xi = 36;
    /// <summary>K block of the GEMMs (as in <see cref="Gemm"/>).</summary>
    const int KC = 256;
    /// <summary>
    /// Whether <see cref="Conv2d.Forward"/> takes the Winograd path (where it measured faster than the GEMM path on
    /// the 2-core AVX2 machine, `bench winograd crossover` and `bench conv-paths`): 3x3, stride 1, at least 8 input and
    /// output channels, and output rows of at least 7 tiles (28 columns); 13 to 27 columns with 32+ channels each way
    /// (rows of 4 tiles fill a group with two tile rows; 5 to 6 tiles leave a quarter to three eighths of it padding,
    /// still a win there); 8-column rows only with 192+ channels each way (bench/README.md).
    /// </summary>
    public static bool Applies(CpuKernelOptions o, in ConvGeometry g) =>
        o.Winograd && Supported(g) && g.C >= 8 && g.O >= 8
        && (g.OutW >= 28 || (o.WinogradNarrowRows && g.OutW >= 13 && g.C >= 32 && g.O >= 32) || (g.C >= 192 && g.O >= 192 && g.OutW >= 8));

    /// <summary>Whether this path can compute the conv at all (the shape and the instruction set; speed aside).</summary>
    public static bool Supported(in ConvGeometry g) =>
        Avx.IsSupported && Fma.IsSupported && g.KH == 3 && g.KW == 3 && g.StrideH == 1 && g.StrideW == 1;

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_u, t_v, t_m;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_uLen, t_vLen, t_mLen;


    /// <summary>The geometry of one call, shared by its tasks.</summary>
    readonly struct Plan
    {
        public readonly ConvGeometry G;
        public readonly float* X, XEnd, W, Bias, Y, U, V, M;
        public readonly int Mr, Nr, GroupsPerPanel, OPanels, OPad, TilesY, GroupsX, GroupsPerImage;
        /// <summary>Rows of at most 4 tiles: a group is two tile rows of 4 tiles each (see <see cref="GroupLayout"/>).</summary>
        public readonly bool Paired;
        public readonly long Groups;
        /// <summary>
        /// Floats from one ξ to the next in U, V and M. Padded by a cache line: the transforms touch all 36 at once,
        /// and a power-of-two stride (256 channels x 16 columns x 4 bytes = 16 KiB) put them all in one L1 set.
        /// </summary>
        public readonly long USlot, VSlot, MSlot;
        public readonly bool Use512, Adjoint;

        public Plan(in ConvGeometry g, float* x, float* w, float* bias, float* y, bool use512, bool pairRows,
            float* u, float* v, float* m, bool adjoint)
        {
            Adjoint = adjoint;
            G = g; X = x; XEnd = x + (long)g.N * g.InputPlane; W = w; Bias = bias; Y = y; U = u; V = v; M = m;
            Use512 = use512;
            Mr = use512 ? 8 : 6;
            Nr = use512 ? 32 : 16;
            GroupsPerPanel = Nr / 8;
            OPanels = (g.O + Mr - 1) / Mr;
            OPad = OPanels * Mr;
            (Paired, TilesY, GroupsX, GroupsPerImage) = GroupLayout(g, pairRows);
            Groups = (long)g.N * GroupsPerImage;
            USlot = UXiStride(g.O, g.C, Mr);
            VSlot = (long)g.C * Nr + 16;
            MSlot = (long)OPad * Nr + 16;
        }
    }

    /// <summary>
    /// How output tiles form groups of 8 (one per vector lane): 8 adjacent tiles of one tile row, or, when a row has
    /// at most 4 tiles (outputs 16 or fewer columns wide), the 4 tiles of two consecutive tile rows, which would
    /// otherwise leave half of every group padding (ResNet-6's residual convs at 64x64 images are 16x16).
    /// </summary>
    static (bool Paired, int TilesY, int GroupsX, int GroupsPerImage) GroupLayout(in ConvGeometry g, bool pairRows)
    {
        int tilesX = (g.OutW + 3) / 4, tilesY = (g.OutH + 3) / 4;
        if (tilesX <= 4 && pairRows) return (true, tilesY, 1, (tilesY + 1) / 2);
        int groupsX = (tilesX + 7) / 8;
        return (false, tilesY, groupsX, tilesY * groupsX);
    }

    internal static long UXiStride(int o, int c, int mr) => (long)((o + mr - 1) / mr) * mr * c + 16;

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null) for a 3x3, stride-1 conv with any zero padding.</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        if (!Supported(g)) throw new ArgumentException($"Winograd conv: unsupported geometry {g}.");
        Compute(o, x, w, b, y, g, adjoint: false);
    }

    /// <summary>
    /// Whether <see cref="Conv2d.BackwardData"/> takes the Winograd path: the input gradient of a 3x3, stride-1
    /// conv with padding p is itself a 3x3 stride-1 conv of dy (weights transposed and flipped, padding 2 - p), chosen
    /// by the same rule as the forward.
    /// </summary>
    public static bool AppliesBackwardData(CpuKernelOptions o, in ConvGeometry g) =>
        Supported(g) && g.PadH <= 2 && g.PadW <= 2 && Applies(o, AdjointGeometry(g));

    /// <summary>The conv dy [N,O,OutH,OutW] -> dx [N,C,H,W] that computes the input gradient of g.</summary>
    static ConvGeometry AdjointGeometry(in ConvGeometry g) =>
        new(g.N, g.O, g.OutH, g.OutW, g.C, 3, 3, 1, 1, 2 - g.PadH, 2 - g.PadW, g.H, g.W);

    /// <summary>dx[N,C,H,W] = the input gradient of the 3x3, stride-1 conv g for output gradient dy (w as in the forward).</summary>
    public static void BackwardData(CpuKernelOptions o, float* dy, float* w, float* dx, in ConvGeometry g)
    {
        if (!Supported(g) || g.PadH > 2 || g.PadW > 2) throw new ArgumentException($"Winograd conv: unsupported geometry {g}.");
        Compute(o, dy, w, null, dx, AdjointGeometry(g), adjoint: true);
    }

    /// <summary>
    /// The conv g of x; with <paramref name="adjoint"/>, w is the weight of the conv this one is the input gradient
    /// of ([g.C][g.O][3][3]), read transposed and flipped.
    /// </summary>
    static void Compute(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g, bool adjoint)
    {
        long groups = (long)g.N * GroupLayout(g, o.WinogradPairRows).GroupsPerImage;
        var profile = o.WinogradProfile;
        double t0 = profile?.Now() ?? 0;
        using var buffers = new Buffers(o, w, g, 9, adjoint, groups * 8);
        var plan = new Plan(g, x, w, b, y, buffers.Use512, o.WinogradPairRows, buffers.U, buffers.V, buffers.M, adjoint);
        if (!buffers.Fresh)
        {
            Par.Loop(o, 0, buffers.OPanels, ip => TransformWeights(plan, ip));
            buffers.Filled();
        }
        profile?.Lap(0, ref t0);
        Run(o, plan, buffers.Panels, buffers.Chunk, ref t0);
    }

    /// <summary>
    /// One call's layout and buffers, shared by both tile sizes: the micro-kernel (chosen by the tile columns' padding),
    /// the tile panels and how many go in one chunk, the transformed weights U (a <see cref="WeightCache"/> entry, or
    /// this thread's scratch when they do not fit the cache or another thread holds the entry), and V and M for one
    /// chunk. Dispose releases the cache entry.
    /// </summary>
    internal readonly struct Buffers : IDisposable
    {
        public readonly bool Use512;
        /// <summary>Whether U already holds the transform of the weights' current content (a cache hit).</summary>
        public readonly bool Fresh;
        public readonly int Mr, Nr, OPanels, Panels, Chunk;
        public readonly float* U, V, M;
        readonly WeightCache.Entry? _cached;

        /// <param name="o">The kernel options.</param>
        /// <param name="w">The weights (their address and content key the cache).</param>
        /// <param name="g">The conv as computed (the adjoint geometry for an input gradient).</param>
        /// <param name="taps">Kernel taps (9 or 16).</param>
        /// <param name="adjoint">Whether the weights are read transposed and flipped (a separate cache entry).</param>
        /// <param name="columns">GEMM columns: the tiles, padding of partial groups included.</param>
        public Buffers(CpuKernelOptions o, float* w, in ConvGeometry g, int taps, bool adjoint, long columns)
        {
            Use512 = Gemm.Wide(o, g.O, columns);
            Mr = Use512 ? 8 : 6;
            Nr = Use512 ? 32 : 16;
            OPanels = (g.O + Mr - 1) / Mr;
            long oPad = (long)OPanels * Mr;
            Panels = (int)((columns + Nr - 1) / Nr);
            long perPanel = Xi * Math.Max(g.C, oPad) * Nr;
            Chunk = (int)Math.Clamp(o.WinogradChunkFloats / perPanel, 1, Panels);
            long uFloats = Xi * UXiStride(g.O, g.C, Mr) + 8;
            _cached = WeightCache.Acquire(w, g.O, g.C, taps, Mr, adjoint, uFloats, o.WinogradCacheBytes, o.Prepacked?.IsFrozen(w) == true, out bool fresh);
            try
            {
                Fresh = _cached != null && fresh;
                U = _cached != null ? _cached.U : Scratch.Grow(ref t_u, ref t_uLen, uFloats);
                V = Scratch.Grow(ref t_v, ref t_vLen, Chunk * Xi * ((long)g.C * Nr + 16));
                M = Scratch.Grow(ref t_m, ref t_mLen, Chunk * Xi * (oPad * Nr + 16));
            }
            catch
            {
                _cached?.Release();
                throw;
            }
        }

        /// <summary>U now holds the transform of the weights: a cache entry serves the next call with the same content.</summary>
        public void Filled() => _cached?.Filled();

        /// <summary>Ends this call's use of the cache entry.</summary>
        public void Dispose() => _cached?.Release();
    }

    static void Run(CpuKernelOptions o, in Plan plan, int panels, int chunk, ref double t0)
    {
        var pl = plan;
        RunChunks(o, plan.G.C, plan.G.O, panels, chunk, (first, jp, c0, c1) => TransformInput(pl, first, jp, c0, c1),
            (pc, xi) => Multiply(pl, pc, xi), (first, jp, o0, o1) => TransformOutput(pl, first, jp, o0, o1), ref t0);
    }

    /// <summary>Transforms channels [from, to) of tile panel <c>first + panel</c> (one chunk's slot <c>panel</c>).</summary>
    internal delegate void PanelTransform(int first, int panel, int from, int to);

    /// <summary>
    /// The tile panels in chunks of <paramref name="chunk"/>, each through the three phases: the input transform
    /// (panels x blocks of the <paramref name="channelsIn"/> input channels), the 36 GEMMs (one task per point ξ:
    /// <paramref name="multiply"/>(panels in the chunk, ξ)) and the output transform (panels x blocks of the
    /// <paramref name="channelsOut"/> output channels). Shared by both tile sizes.
    /// </summary>
    internal static void RunChunks(CpuKernelOptions o, int channelsIn, int channelsOut, int panels, int chunk,
        PanelTransform input, Action<int, int> multiply, PanelTransform output, ref double t0)
    {
        // Transform tasks: panels x channel blocks, at least 4 per thread when the chunk has few panels.
        int split = Math.Max(1, (4 * o.Threads + chunk - 1) / chunk);
        var profile = o.WinogradProfile;
        int cBlock = Math.Max(8, (channelsIn + split - 1) / split), oBlock = Math.Max(8, (channelsOut + split - 1) / split);
        int cBlocks = (channelsIn + cBlock - 1) / cBlock, oBlocks = (channelsOut + oBlock - 1) / oBlock;
        for (int p0 = 0; p0 < panels; p0 += chunk)
        {
            int pc = Math.Min(chunk, panels - p0);
            int first = p0;
            Par.Loop(o, 0, pc * cBlocks, t =>
            {
                int c0 = t % cBlocks * cBlock;
                input(first, t / cBlocks, c0, Math.Min(channelsIn, c0 + cBlock));
            });
            profile?.Lap(1, ref t0);
            Par.Loop(o, 0, Xi, xi => multiply(pc, xi));
            profile?.Lap(2, ref t0);
            Par.Loop(o, 0, pc * oBlocks, t =>
            {
                int o0 = t % oBlocks * oBlock;
                output(first, t / oBlocks, o0, Math.Min(channelsOut, o0 + oBlock));
            });
            profile?.Lap(3, ref t0);
        }
    }

    // ---- weights: U[ξ][o panel][c][MR] = (G g G^T)[ξ] ---------------------------------------------------------

    /// <summary>Transforms the weights of output panel ip (MR output channels, one per lane) for every input channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformWeights(in Plan p, int ip)
    {
        var g = p.G;
        int mr = p.Mr, o0 = ip * mr, rows = Math.Min(mr, g.O - o0);
        // Element (out o, in c, tap k) of the weights: w[o][c][k], or for the adjoint w[c][o][8 - k].
        long cStride = p.Adjoint ? (long)g.O * 9 : 9, oStride = p.Adjoint ? 9 : (long)g.C * 9;
        bool flip = p.Adjoint;
        float* lanes = stackalloc float[9 * 8];
        new Span<float>(lanes, 72).Clear();
        var h = stackalloc Vector256<float>[18];
        long xiStride = p.USlot;
        float* dst0 = p.U + (long)ip * g.C * mr;
        for (int c = 0; c < g.C; c++)
        {
            float* src = p.W + o0 * oStride + c * cStride;
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < 9; k++) lanes[k * 8 + r] = src[r * oStride + (flip ? 8 - k : k)];
            // Rows: h[i][col] = (G g)[i][col] for the 3 columns of the kernel.
            for (int col = 0; col < 3; col++)
            {
                var g0 = Vector256.Load(lanes + col * 8);
                var g1 = Vector256.Load(lanes + (3 + col) * 8);
                var g2 = Vector256.Load(lanes + (6 + col) * 8);
                G6(g0, g1, g2, out h[col], out h[3 + col], out h[6 + col], out h[9 + col], out h[12 + col], out h[15 + col]);
            }
            float* dst = dst0 + (long)c * mr;
            bool last = c == g.C - 1 && mr < 8;
            for (int i = 0; i < 6; i++)
            {
                G6(h[3 * i], h[3 * i + 1], h[3 * i + 2], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5);
                float* d = dst + 6 * i * xiStride;
                StoreLanes(d, u0, last); d += xiStride;
                StoreLanes(d, u1, last); d += xiStride;
                StoreLanes(d, u2, last); d += xiStride;
                StoreLanes(d, u3, last); d += xiStride;
                StoreLanes(d, u4, last); d += xiStride;
                StoreLanes(d, u5, last);
            }
        }
    }

    /// <summary>
    /// Stores MR lanes. With MR = 6 the two extra lanes land on the next channel's slot, which this task writes
    /// next; only the last channel of a panel stores exactly 6.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreLanes(float* d, Vector256<float> v, bool exact)
    {
        if (!exact) { v.Store(d); return; }
        v.GetLower().Store(d);
        *(double*)(d + 4) = v.GetUpper().AsDouble().ToScalar();
    }

    /// <summary>The 6 rows of G [g0; g1; g2] for G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void G6(Vector256<float> g0, Vector256<float> g1, Vector256<float> g2,
        out Vector256<float> h0, out Vector256<float> h1, out Vector256<float> h2,
        out Vector256<float> h3, out Vector256<float> h4, out Vector256<float> h5)
    {
        var sixth = Vector256.Create(1f / 6);
        var e = Avx.Add(g0, g2);
        h0 = Avx.Multiply(g0, Vector256.Create(0.25f));
        h1 = Avx.Multiply(Avx.Add(e, g1), Vector256.Create(-1f / 6));
        h2 = Avx.Multiply(Avx.Subtract(e, g1), Vector256.Create(-1f / 6));
        var f = Fma.MultiplyAdd(g0, Vector256.Create(1f / 24), Avx.Multiply(g2, sixth));
        var q = Avx.Multiply(g1, Vector256.Create(1f / 12));
        h3 = Avx.Add(f, q);
        h4 = Avx.Subtract(f, q);
        h5 = g2;
    }

    // ---- input: V[panel][ξ][c][NR] = (B^T d B)[ξ] ---------------------------------------------------------------

    /// <summary>Transforms channels [c0, c1) of every tile group of panel p0 + jp into V's slot jp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransformInput(in Plan p, int p0, int jp, int c0, int c1)
    {
        var g = p.G;
        int nr = p.Nr;
        long planeSize = (long)g.H * g.W;
        float* stage = stackalloc float[6 * 40];
        float* stageB = stackalloc float[6 * 40];
        var e = stackalloc Vector256<float>[36];
        var t = stackalloc Vector256<float>[36];
        long xiStride = p.VSlot;
        float* vPanel = p.V + (long)jp * Xi * xiStride;
        for (int gi = 0; gi < p.GroupsPerPanel; gi++)
        {
            long q = (long)(p0 + jp) * p.GroupsPerPanel + gi;
            float* vg = vPanel + gi * 8;
            if (q >= p.Groups)
            {
                for (int c = c0; c < c1; c++)
                    for (int xi = 0; xi < Xi; xi++) Vector256<float>.Zero.Store(vg + xi * xiStride + (long)c * nr);
                continue;
            }
            int n = (int)(q / p.GroupsPerImage), rem = (int)(q % p.GroupsPerImage);
            int ty = p.Paired ? rem * 2 : rem / p.GroupsX, gx = p.Paired ? 0 : rem % p.GroupsX;
            int iy0 = ty * 4 - g.PadH, ix0 = gx * 32 - g.PadW;
            // Tiles 4..7 of the group: the next 16 columns, or with paired rows the next tile row's first 16.
            int iy0B = p.Paired ? iy0 + 4 : iy0, ix0B = p.Paired ? ix0 : ix0 + 16;
            bool colsIn = ix0 >= 0 && ix0B + 18 <= g.W;
            for (int c = c0; c < c1; c++)
            {
                float* plane = p.X + ((long)n * g.C + c) * planeSize;
                // Each half of the deinterleave reads 20 columns of which the last two are unused: direct reads are
                // fine unless they would run past the end of the input buffer.
                float* src = Window(plane, g, iy0, ix0, colsIn, p.XEnd, stage, out int ld);
                int ldB = ld;
                float* srcB = p.Paired ? Window(plane, g, iy0B, ix0B, colsIn, p.XEnd, stageB, out ldB) : src + 16;
                for (int r = 0; r < 6; r++) Deinterleave(src + (long)r * ld, srcB + (long)r * ldB, e + r * 6);
                // Columns of the patch (per phase s): t[i][s] = (B^T d)[i][s].
                for (int s = 0; s < 6; s++)
                {
                    BT6(e[s], e[6 + s], e[12 + s], e[18 + s], e[24 + s], e[30 + s],
                        out t[s], out t[6 + s], out t[12 + s], out t[18 + s], out t[24 + s], out t[30 + s]);
                }
                float* dst = vg + (long)c * nr;
                for (int i = 0; i < 6; i++)
                {
                    Vector256<float>* ti = t + i * 6;
                    BT6(ti[0], ti[1], ti[2], ti[3], ti[4], ti[5], out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
                    float* d = dst + 6 * i * xiStride;
                    v0.Store(d); d += xiStride;
                    v1.Store(d); d += xiStride;
                    v2.Store(d); d += xiStride;
                    v3.Store(d); d += xiStride;
                    v4.Store(d); d += xiStride;
                    v5.Store(d);
                }
            }
        }
    }

    /// <summary>The 6-row input window at (iy0, ix0): in place when inside the image, else staged (row stride ld).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float* Window(float* plane, in ConvGeometry g, int iy0, int ix0, bool colsIn, float* end, float* stage, out int ld)
    {
        if (colsIn && iy0 >= 0 && iy0 + 6 <= g.H && plane + (long)(iy0 + 5) * g.W + ix0 + 36 <= end)
        {
            ld = g.W;
            return plane + (long)iy0 * g.W + ix0;
        }
        Stage(plane, g.H, g.W, iy0, ix0, stage);
        ld = 40;
        return stage;
    }

    /// <summary>Copies the 6x36 input window at (iy0, ix0) into stage (row stride 40), zero outside the image.</summary>
    static void Stage(float* plane, int h, int w, int iy0, int ix0, float* stage)
    {
        int lo = Math.Clamp(-ix0, 0, 36), hi = Math.Clamp(w - ix0, lo, 36);
        for (int r = 0; r < 6; r++)
        {
            float* d = stage + r * 40;
            int iy = iy0 + r;
            if ((uint)iy >= (uint)h) { new Span<float>(d, 40).Clear(); continue; }
            float* row = plane + (long)iy * w + ix0;
            for (int j = 0; j < lo; j++) d[j] = 0f;
            new ReadOnlySpan<float>(row + lo, hi - lo).CopyTo(new Span<float>(d + lo, hi - lo));
            for (int j = hi; j < 40; j++) d[j] = 0f;
        }
    }

    /// <summary>
    /// Splits 8 tiles of stride 4 into the 6 phases of the tiles' 6-wide windows: e[s] lane L holds column
    /// 4 * tile(L) + s, tile(L) = 0,2,4,6,1,3,5,7. Tiles 0..3 start at p, tiles 4..7 at q (p + 16 for 8 tiles in a
    /// row); each half reads 20 values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Deinterleave(float* p, float* q, Vector256<float>* e)
    {
        var a = Vector256.Load(p); var b = Vector256.Load(p + 8);
        var c = Vector256.Load(q); var d = Vector256.Load(q + 8);
        var lab = Avx.UnpackLow(a, b); var hab = Avx.UnpackHigh(a, b);
        var lcd = Avx.UnpackLow(c, d); var hcd = Avx.UnpackHigh(c, d);
        e[0] = Avx.Shuffle(lab, lcd, 0x44); e[1] = Avx.Shuffle(lab, lcd, 0xEE);
        e[2] = Avx.Shuffle(hab, hcd, 0x44); e[3] = Avx.Shuffle(hab, hcd, 0xEE);
        a = Vector256.Load(p + 4); b = Vector256.Load(p + 12);
        c = Vector256.Load(q + 4); d = Vector256.Load(q + 12);
        lab = Avx.UnpackLow(a, b); lcd = Avx.UnpackLow(c, d);
        e[4] = Avx.Shuffle(lab, lcd, 0x44); e[5] = Avx.Shuffle(lab, lcd, 0xEE);
    }

    /// <summary>B^T applied to a 6-vector, for B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BT6(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4, Vector256<float> d5,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2,
        out Vector256<float> t3, out Vector256<float> t4, out Vector256<float> t5)
    {
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        var two = Vector256.Create(2f);
        t0 = Fma.MultiplyAdd(d0, four, Fma.MultiplyAddNegated(d2, five, d4));
        var pp = Fma.MultiplyAddNegated(d2, four, d4);
        var qq = Fma.MultiplySubtract(d1, four, d3);
        t1 = Avx.Subtract(pp, qq);
        t2 = Avx.Add(pp, qq);
        var r = Avx.Subtract(d4, d2);
        var s = Avx.Subtract(d1, d3);
        t3 = Fma.MultiplyAddNegated(s, two, r);
        t4 = Fma.MultiplyAdd(s, two, r);
        t5 = Fma.MultiplyAdd(d1, four, Fma.MultiplyAddNegated(d3, five, d5));
    }

    // ---- the 36 GEMMs: M[panel][ξ][o][NR] = U[ξ] x V[panel][ξ] ---------------------------------------------------

    static void Multiply(in Plan p, int panels, int xi) =>
        MultiplyPoint(p.U + xi * p.USlot, p.V, p.VSlot, p.M, p.MSlot, p.G.C, p.OPanels, p.Mr, p.Nr, p.Use512, panels, xi);

    /// <summary>
    /// Point ξ of every panel of a chunk, M[jp][ξ] = U[ξ] x V[jp][ξ]: <paramref name="u"/> is U[ξ] packed in MR-row
    /// panels ([o panel][c][MR]), which stays in this core's cache throughout; V and M hold 36 slots per tile panel
    /// (<paramref name="vSlot"/>, <paramref name="mSlot"/> floats apart) of [c][NR] and [o][NR]. Shared by both tile sizes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyPoint(float* u, float* v, long vSlot, float* m, long mSlot, int c, int oPanels, int mr, int nr, bool use512, int panels, int xi)
    {
        for (int k0 = 0; k0 < c; k0 += KC)
        {
            int kc = Math.Min(KC, c - k0);
            bool acc = k0 > 0;
            for (int jp = 0; jp < panels; jp++)
            {
                long slot = (long)jp * Xi + xi;
                float* bp = v + slot * vSlot + (long)k0 * nr;
                float* cp = m + slot * mSlot;
                for (int ip = 0; ip < oPanels; ip++)
                {
                    float* ap = u + ((long)ip * c + k0) * mr;
                    if (use512) Gemm.Kernel8x32(kc, ap, bp, cp + (long)ip * mr * nr, nr, acc);
                    else Gemm.Kernel6x16(kc, ap, bp, cp + (long)ip * mr * nr, nr, acc);
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
        long xiStride = p.MSlot;
        var s = stackalloc Vector256<float>[24];
        float* tmp = stackalloc float[32];
        long outPlane = (long)g.OutH * g.OutW;
        for (int gi = 0; gi < p.GroupsPerPanel; gi++)
        {
            long q = (long)(p0 + jp) * p.GroupsPerPanel + gi;
            if (q >= p.Groups) break;
            int n = (int)(q / p.GroupsPerImage), rem = (int)(q % p.GroupsPerImage);
            int ty = p.Paired ? rem * 2 : rem / p.GroupsX, gx = p.Paired ? 0 : rem % p.GroupsX;
            int oy0 = ty * 4, ox0 = gx * 32;
            int rows = Math.Min(4, g.OutH - oy0), cols = Math.Min(p.Paired ? 16 : 32, g.OutW - ox0);
            // With paired rows, tiles 4..7 are the 4 output rows below (none past the last tile row).
            int rowsB = p.Paired ? Math.Min(4, g.OutH - oy0 - 4) : 0;
            float* mg = p.M + (long)jp * Xi * xiStride + gi * 8;
            for (int o = o0; o < o1; o++)
            {
                float* mo = mg + (long)o * nr;
                // Columns j of the 6x6: s[k][j] = (A^T m)[k][j].
                for (int j = 0; j < 6; j++)
                {
                    AT6(Vector256.Load(mo + j * xiStride), Vector256.Load(mo + (6 + j) * xiStride),
                        Vector256.Load(mo + (12 + j) * xiStride), Vector256.Load(mo + (18 + j) * xiStride),
                        Vector256.Load(mo + (24 + j) * xiStride), Vector256.Load(mo + (30 + j) * xiStride),
                        out s[j], out s[6 + j], out s[12 + j], out s[18 + j]);
                }
                var bias = Vector256.Create(p.Bias == null ? 0f : p.Bias[o]);
                float* yo = p.Y + ((long)n * g.O + o) * outPlane + (long)oy0 * g.OutW + ox0;
                for (int k = 0; k < Math.Max(rows, rowsB); k++)
                {
                    Vector256<float>* sk = s + k * 6;
                    AT6(sk[0], sk[1], sk[2], sk[3], sk[4], sk[5], out var y0, out var y1, out var y2, out var y3);
                    float* dst = yo + (long)k * g.OutW;
                    if (cols == 32) Interleave(Avx.Add(y0, bias), Avx.Add(y1, bias), Avx.Add(y2, bias), Avx.Add(y3, bias), dst);
                    else
                    {
                        Interleave(Avx.Add(y0, bias), Avx.Add(y1, bias), Avx.Add(y2, bias), Avx.Add(y3, bias), tmp);
                        if (k < rows) new ReadOnlySpan<float>(tmp, cols).CopyTo(new Span<float>(dst, cols));
                        if (k < rowsB) new ReadOnlySpan<float>(tmp + 16, cols).CopyTo(new Span<float>(dst + 4L * g.OutW, cols));
                    }
                }
            }
        }
    }

    /// <summary>A^T applied to a 6-vector, for A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AT6(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5,
        out Vector256<float> s0, out Vector256<float> s1, out Vector256<float> s2, out Vector256<float> s3)
    {
        var a = Avx.Add(m1, m2);
        var b = Avx.Subtract(m1, m2);
        var c = Avx.Add(m3, m4);
        var d = Avx.Subtract(m3, m4);
        s0 = Avx.Add(Avx.Add(m0, a), c);
        s1 = Fma.MultiplyAdd(d, Vector256.Create(2f), b);
        s2 = Fma.MultiplyAdd(c, Vector256.Create(4f), a);
        s3 = Avx.Add(Fma.MultiplyAdd(d, Vector256.Create(8f), b), m5);
    }

    /// <summary>The inverse of <see cref="Deinterleave"/>: y[j] lane L (tile order 0,2,4,6,1,3,5,7) to column 4 * tile(L) + j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Interleave(Vector256<float> y0, Vector256<float> y1, Vector256<float> y2, Vector256<float> y3, float* dst)
    {
        var l01 = Avx.UnpackLow(y0, y1); var l23 = Avx.UnpackLow(y2, y3);
        var h01 = Avx.UnpackHigh(y0, y1); var h23 = Avx.UnpackHigh(y2, y3);
        Avx.Shuffle(l01, l23, 0x44).Store(dst);
        Avx.Shuffle(l01, l23, 0xEE).Store(dst + 8);
        Avx.Shuffle(h01, h23, 0x44).Store(dst + 16);
        Avx.Shuffle(h01, h23, 0xEE).Store(dst + 24);
    }

    // ---- the transformed-weight cache ---------------------------------------------------------------------------

    /// <summary>Frees every cached transformed weight not in use.</summary>
    public static void ClearCache() => WeightCache.Clear();

    /// <summary>
    /// Transformed weights (U: 4x the weights' size for 3x3 kernels, 2.25x for 4x4 ones, <see cref="Winograd4Conv"/>) of recent layers, keyed by the weight buffer's address and shape.
    /// A layer's weights stay the same from one forward to the next between optimizer steps, and transforming
    /// them costs about a sixth of the conv at ResNet sizes. An entry keeps a copy of the weights it was built from and
    /// is used only when that copy is byte-for-byte the buffer's current content, so an optimizer step, a
    /// reloaded checkpoint or a pooled buffer reused for another tensor simply rebuilds it: correctness never depends
    /// on anyone reporting a write. The check reads the weights once (a quarter of the transform's output).
    /// </summary>
    internal static class WeightCache
    {
        internal sealed class Entry
        {
            public readonly (nint W, int O, int C, int Taps, int Mr, bool Adjoint) Key;
            public readonly float* Raw, U;
            public readonly long RawFloats, Bytes;
            public bool Valid, Busy;
            public long LastUse;

            public Entry((nint, int, int, int, int, bool) key, long rawFloats, long uFloats)
            {
                Key = key;
                RawFloats = rawFloats;
                Bytes = (rawFloats + uFloats) * sizeof(float);
                Raw = (float*)NativeMemory.AlignedAlloc((nuint)(rawFloats * sizeof(float)), 64);
                U = (float*)NativeMemory.AlignedAlloc((nuint)(uFloats * sizeof(float)), 64);
            }

            /// <summary>U now holds the transform of Raw.</summary>
            public void Filled() => Valid = true;

            /// <summary>Ends this call's use of the entry.</summary>
            public void Release() { lock (s_lock) Busy = false; }

            public void Free()
            {
                NativeMemory.AlignedFree(Raw);
                NativeMemory.AlignedFree(U);
            }
        }

        static readonly object s_lock = new();
        [ProcessWideCache("Keyed by the weights' address and checked against their content on every use, so any backend may reuse an entry; one cache bounds the memory of all.")]
        static readonly Dictionary<(nint, int, int, int, int, bool), Entry> s_entries = new();
        [ProcessWideCache("The bytes held and the use clock of the transformed-weight cache (shared by every backend, see above), guarded by s_lock.")]
        static long s_bytes, s_clock;

        /// <summary>Acquisitions after which an unused entry counts as stale (a ResNet-9 training step makes about 40).</summary>
        internal const long StaleAfter = 1024;

        /// <summary>Whether an entry for weights at this address is held (for tests).</summary>
        internal static bool Holds(float* w) { lock (s_lock) return s_entries.Keys.Any(k => k.Item1 == (nint)w); }

        /// <summary>Bytes held now (for tests).</summary>
        internal static long Bytes { get { lock (s_lock) return s_bytes; } }

        /// <summary>
        /// The entry for these weights, held for this call (released by <see cref="Entry.Release"/>), with
        /// <paramref name="fresh"/> true when its U is already the transform of the weights' current content; else
        /// its copy of the weights has been refreshed and the caller fills U. Null when the weights do not fit the
        /// budget or another thread holds the entry: the caller transforms into scratch. With <paramref name="frozen"/>
        /// (the weights cannot have changed since the entry was filled: <see cref="PackedWeights"/>) a filled entry is
        /// fresh without the comparison.
        /// </summary>
        public static Entry? Acquire(float* w, int o, int c, int taps, int mr, bool adjoint, long uFloats, long budgetBytes, bool frozen, out bool fresh)
        {
            fresh = false;
            long rawFloats = (long)o * c * taps;
            long bytes = (rawFloats + uFloats) * sizeof(float);
            var key = ((nint)w, o, c, taps, mr, adjoint);
            Entry? e;
            lock (s_lock)
            {
                if (bytes > budgetBytes)
                {
                    // Too big for the budget (or the cache is off): drop a stale entry, transform into scratch.
                    if (s_entries.TryGetValue(key, out e) && !e.Busy) Remove(e);
                    return null;
                }
                if (s_entries.TryGetValue(key, out e))
                {
                    if (e.Busy) return null;
                }
                else
                {
                    // Weights at a new address: drop entries no call has used for a while first. Generated weights
                    // (the hypernetwork search) land at other addresses from step to step, and their old entries
                    // would otherwise fill the whole budget before any was reused or evicted.
                    foreach (var x in s_entries.Values.Where(x => !x.Busy && s_clock - x.LastUse > StaleAfter).ToList()) Remove(x);
                    while (s_bytes + bytes > budgetBytes)
                    {
                        Entry? victim = null;
                        foreach (var x in s_entries.Values)
                            if (!x.Busy && (victim == null || x.LastUse < victim.LastUse)) victim = x;
                        if (victim == null) return null;
                        Remove(victim);
                    }
                    e = new Entry(key, rawFloats, uFloats);
                    s_entries[key] = e;
                    s_bytes += e.Bytes;
                }
                e.Busy = true;
                e.LastUse = ++s_clock;
            }
            if (frozen && e.Valid)
            {
                fresh = true;
                return e;
            }
            var now = new ReadOnlySpan<byte>(w, checked((int)(rawFloats * sizeof(float))));
            var then = new Span<byte>(e.Raw, now.Length);
            fresh = e.Valid && now.SequenceEqual(then);
            if (!fresh)
            {
                e.Valid = false;
                now.CopyTo(then);
            }
            return e;
        }

        static void Remove(Entry e)
        {
            s_entries.Remove(e.Key);
            s_bytes -= e.Bytes;
            e.Free();
        }

        /// <summary>Drops every entry for weights at <paramref name="w"/> that no call holds; a held one is marked for refilling.</summary>
        public static void Forget(float* w)
        {
            lock (s_lock)
                foreach (var e in s_entries.Values.Where(e => e.Key.W == (nint)w).ToList())
                {
                    if (e.Busy) e.Valid = false;
                    else Remove(e);
                }
        }

        public static void Clear()
        {
            lock (s_lock)
                foreach (var e in s_entries.Values.Where(e => !e.Busy).ToList()) Remove(e);
        }
    }
}
