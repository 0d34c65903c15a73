using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Forward convs with few output pixels and many output channels (a PatchGAN's deep layers at 64 px: 49 pixels,
/// 512 channels, 4096-long sums) as the transposed product Yᵀ[pixels, O] = colᵀ[pixels, K] · Wᵀ[K, O]: the output
/// channels run along the micro-kernel's vectors and the pixels along its broadcast rows.
/// </summary>
/// <remarks>
/// <para>The GEMM path puts the pixels along the vectors, so 49 of them fill two 32-column panels to 64, and every
/// column panel streams all of the weights (8 MB) through the kernel again. Transposed, the padding is at most one
/// row panel of pixels, and a task keeps one K block of its weight panel in L1 while every pixel panel passes
/// over it.</para>
/// <para>The weights are packed into column panels [O/NR][K][NR] once per change (<see cref="PackedWeights"/>,
/// frozen or trusted) or per call when the backend keeps no packed copies. Each output is the same sequence of
/// FMAs over 256-long K blocks, the blocks added in the same order, as on the GEMM path, so the results are
/// bit-identical to it.</para>
/// </remarks>
public static unsafe class PixelMajorConv
{
    /// <summary>Output pixels up to which this path applies (above, the GEMM's column panels fill up).</summary>
    public const int MaxPixels = 256;

    /// <summary>Output channels from which it applies (one 32-wide panel is the least the vectors need).</summary>
    public const int MinOutputChannels = 32;

    const int KC = 256;

    /// <summary>Output pixels up to which this path applies whatever the padding: the GEMM's column panels stream all of the weights per 32 pixels.</summary>
    public const int AlwaysPixels = 64;

    /// <summary>
    /// Whether this path computes the forward conv <paramref name="g"/>: more output pixels than the skinny GEMM's
    /// limit (<see cref="CpuKernelOptions.SkinnyColumns"/>, which reads the weights once as they lie), at least
    /// <see cref="MinOutputChannels"/> output channels, and either at most <see cref="AlwaysPixels"/> pixels or, up to
    /// <see cref="MaxPixels"/>, less padding in the transposed tiles than in the GEMM's.
    /// </summary>
    public static bool Applies(CpuKernelOptions o, in ConvGeometry g)
    {
        int p = g.OutPixels;
        if (!o.PixelMajorConv || p <= o.SkinnyColumns || p > MaxPixels || g.O < MinOutputChannels) return false;
        if (p <= AlwaysPixels) return true;
        int mr = o.Use512 ? 8 : 6, nr = o.Use512 ? 32 : 16;
        long gemm = (long)(g.O + mr - 1) / mr * mr * ((p + nr - 1) / nr * nr);
        long transposed = (long)(p + mr - 1) / mr * mr * ((g.O + nr - 1) / nr * nr);
        return transposed < gemm;
    }

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null).</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        int pixels = g.OutPixels, k = g.ColRows, outs = g.O;
        bool use512 = Gemm.Wide(o, pixels, outs);
        int mr = use512 ? 8 : 6, nr = use512 ? 32 : 16;
        int rowPanels = (pixels + mr - 1) / mr, colPanels = (outs + nr - 1) / nr;
        long wFloats = (long)colPanels * k * nr;
        float* wp = o.Prepacked is { } pw
            ? pw.GetColumnPanels(w, false, nr, outs, k, wFloats, dst => PackWeights(o, w, outs, k, nr, (float*)dst))
            : null;
        if (wp == null)
        {
            wp = Scratch.GetSecond(wFloats);
            PackWeights(o, w, outs, k, nr, wp);
        }
        float* ap = Scratch.Get((long)rowPanels * mr * k);
        // Pixel panels are split too when the channel panels alone would leave cores idle.
        int rowBlocks = Math.Max(1, Math.Min(rowPanels, (2 * o.Threads + colPanels - 1) / colPanels));
        int panelsPerBlock = (rowPanels + rowBlocks - 1) / rowBlocks;
        rowBlocks = (rowPanels + panelsPerBlock - 1) / panelsPerBlock;
        var geo = g;
        for (int n = 0; n < g.N; n++)
        {
            float* xn = x + (long)n * g.InputPlane, yn = y + (long)n * g.OutputPlane;
            Par.Loop(o, 0, rowPanels, ip => PackPixels(xn, geo, mr, ip, ap + (long)ip * mr * k));
            Par.Loop(o, 0, colPanels * rowBlocks, t =>
            {
                int jp = t / rowBlocks, rb = t % rowBlocks;
                int ip0 = rb * panelsPerBlock, ip1 = Math.Min(rowPanels, ip0 + panelsPerBlock);
                Task(k, pixels, outs, ap, wp + (long)jp * k * nr, yn, jp * nr, ip0, ip1, mr, nr, use512);
            });
        }
        if (b != null) Channels.BiasAdd(o, y, b, y, g.N, g.O, pixels);
    }

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_col;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_colLen;

    /// <summary>
    /// Whether the input gradient of conv <paramref name="g"/> runs here: not pointwise, more pixels than the skinny
    /// GEMM's limit and at most <see cref="AlwaysPixels"/> (where the weights are large for the work done on them), and
    /// an unfolded input (C*K*K rows) at least 4 times as tall as it is wide. The GEMM path computes the same transposed product there (Gemm's narrow case) but packs all of the
    /// weights on every call and transposes its result before folding it back; here the weights' panels are kept
    /// like the forward's and the tiles are written transposed.
    /// </summary>
    public static bool AppliesBackwardData(CpuKernelOptions o, in ConvGeometry g)
    {
        int p = g.OutPixels;
        return o.PixelMajorConv && !(g.KH == 1 && g.KW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0)
            && p > o.SkinnyColumns && p <= AlwaysPixels && g.ColRows >= 4 * p && g.ColRows >= 64;
    }

    /// <summary>
    /// dx[N,C,H,W] = the input gradient of conv2d for output gradient dy: colᵀ = dyᵀ · W, then folded back. Only for
    /// frozen weights (a transposed conv at inference), whose panels are packed once: false, with nothing computed,
    /// otherwise. A training step reads its weights once per change in the backward pass, and packing them all per
    /// change measured slower there than the GEMM path's panel-by-panel packing (bench/README.md, session 8).
    /// </summary>
    public static bool BackwardData(CpuKernelOptions o, float* dy, float* w, float* dx, in ConvGeometry g)
    {
        if (o.Prepacked is not { } pw || !pw.IsFrozen(w)) return false;
        int pixels = g.OutPixels, rows = g.ColRows, outs = g.O;
        bool use512 = Gemm.Wide(o, pixels, rows);
        int mr = use512 ? 8 : 6, nr = use512 ? 32 : 16;
        int rowPanels = (pixels + mr - 1) / mr, colPanels = (rows + nr - 1) / nr;
        long wFloats = (long)colPanels * outs * nr;
        float* wp = pw.GetColumnPanels(w, true, nr, rows, outs, wFloats, dst => PackRows(o, w, outs, rows, nr, (float*)dst));
        if (wp == null) return false;
        float* ap = Scratch.Get((long)rowPanels * mr * outs);
        float* col = Scratch.Grow(ref t_col, ref t_colLen, (long)rows * pixels);
        int rowBlocks = Math.Max(1, Math.Min(rowPanels, (2 * o.Threads + colPanels - 1) / colPanels));
        int panelsPerBlock = (rowPanels + rowBlocks - 1) / rowBlocks;
        rowBlocks = (rowPanels + panelsPerBlock - 1) / panelsPerBlock;
        for (int n = 0; n < g.N; n++)
        {
            float* dyn = dy + (long)n * g.OutputPlane, dxn = dx + (long)n * g.InputPlane;
            Par.Loop(o, 0, rowPanels, ip =>
            {
                float* dst = ap + (long)ip * mr * outs;
                int p0 = ip * mr, valid = Math.Min(mr, pixels - p0);
                for (int oi = 0; oi < outs; oi++, dst += mr)
                {
                    float* src = dyn + (long)oi * pixels + p0;
                    int r = 0;
                    for (; r < valid; r++) dst[r] = src[r];
                    for (; r < mr; r++) dst[r] = 0f;
                }
            });
            Par.Loop(o, 0, colPanels * rowBlocks, t =>
            {
                int jp = t / rowBlocks, rb = t % rowBlocks;
                int ip0 = rb * panelsPerBlock, ip1 = Math.Min(rowPanels, ip0 + panelsPerBlock);
                Task(outs, pixels, rows, ap, wp + (long)jp * outs * nr, col, jp * nr, ip0, ip1, mr, nr, use512);
            });
            new Span<float>(dxn, g.InputPlane).Clear();
            Conv2d.Col2ImAdd(o, col, g, 0, pixels, dxn);
        }
        return true;
    }

    /// <summary>w [O, R] into column panels dst[jp][o][j] = w[o, jp * nr + j], zero past the last column.</summary>
    static void PackRows(CpuKernelOptions o, float* w, int outs, int rows, int nr, float* dst)
    {
        int colPanels = (rows + nr - 1) / nr;
        Par.Loop(o, 0, colPanels, jp =>
        {
            float* panel = dst + (long)jp * outs * nr;
            int j0 = jp * nr, cols = Math.Min(nr, rows - j0);
            for (int oi = 0; oi < outs; oi++)
            {
                float* s = w + (long)oi * rows + j0;
                float* d = panel + (long)oi * nr;
                int j = 0;
                for (; j < cols; j++) d[j] = s[j];
                for (; j < nr; j++) d[j] = 0f;
            }
        });
    }

    /// <summary>
    /// Column panel bp (columns from j0 of the <paramref name="outs"/>) against pixel panels [ip0, ip1) of ap, every
    /// 256-long K block in turn, then the tiles of the [pixels, outs] product written transposed into y [outs, pixels].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Task(int k, int pixels, int outs, float* ap, float* bp, float* y, int j0, int ip0, int ip1, int mr, int nr, bool use512)
    {
        int tileFloats = mr * nr;
        float* tiles = stackalloc float[(ip1 - ip0) * tileFloats];
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            float* b = bp + (long)pc * nr;
            for (int ip = ip0; ip < ip1; ip++)
            {
                float* a = ap + (long)ip * mr * k + (long)pc * mr;
                float* tile = tiles + (ip - ip0) * tileFloats;
                if (use512) Gemm.Kernel8x32(kc, a, b, tile, nr, pc > 0);
                else Gemm.Kernel6x16(kc, a, b, tile, nr, pc > 0);
            }
        }
        int cols = Math.Min(nr, outs - j0);
        for (int ip = ip0; ip < ip1; ip++)
        {
            int p0 = ip * mr, rows = Math.Min(mr, pixels - p0);
            float* tile = tiles + (ip - ip0) * tileFloats;
            for (int j = 0; j < cols; j++)
            {
                float* dst = y + (long)(j0 + j) * pixels + p0;
                for (int r = 0; r < rows; r++) dst[r] = tile[r * nr + j];
            }
        }
    }

    /// <summary>Pixel panel ip of the unfolded input as [K][mr]: dst[kk * mr + r] = col[kk, ip * mr + r], zero past the last pixel and outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackPixels(float* x, in ConvGeometry g, int mr, int ip, float* dst)
    {
        int p0 = ip * mr, rows = Math.Min(mr, g.OutPixels - p0);
        int taps = g.KH * g.KW;
        long plane = (long)g.H * g.W;
        int* iy0 = stackalloc int[mr];
        int* ix0 = stackalloc int[mr];
        long* off = stackalloc long[mr];
        for (int r = 0; r < rows; r++)
        {
            int p = p0 + r, oy = p / g.OutW, ox = p % g.OutW;
            iy0[r] = oy * g.StrideH - g.PadH;
            ix0[r] = ox * g.StrideW - g.PadW;
        }
        for (int t = 0; t < taps; t++)
        {
            int ky = t / g.KW, kx = t % g.KW;
            for (int r = 0; r < mr; r++)
            {
                int iy = r < rows ? iy0[r] + ky : -1, ix = r < rows ? ix0[r] + kx : -1;
                off[r] = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W ? (long)iy * g.W + ix : -1;
            }
            float* d = dst + (long)t * mr;
            float* xc = x;
            for (int c = 0; c < g.C; c++, d += (long)taps * mr, xc += plane)
                for (int r = 0; r < mr; r++) d[r] = off[r] >= 0 ? xc[off[r]] : 0f;
        }
    }

    /// <summary>w [O, K] into column panels dst[jp][kk][j] = w[jp * nr + j, kk], zero past the last channel.</summary>
    static void PackWeights(CpuKernelOptions o, float* w, int outs, int k, int nr, float* dst)
    {
        int colPanels = (outs + nr - 1) / nr;
        Par.Loop(o, 0, colPanels, jp =>
        {
            float* panel = dst + (long)jp * k * nr;
            int j0 = jp * nr, cols = Math.Min(nr, outs - j0);
            float** src = stackalloc float*[8];
            int j = 0;
            if (Avx.IsSupported)
                for (; j + 8 <= cols; j += 8)
                {
                    for (int q = 0; q < 8; q++) src[q] = w + (long)(j0 + j + q) * k;
                    int kk = 0;
                    for (; kk + 8 <= k; kk += 8) Im2ColTransposedB.Transpose8(src, kk, panel + (long)kk * nr + j, nr);
                    for (; kk < k; kk++)
                        for (int q = 0; q < 8; q++) panel[(long)kk * nr + j + q] = src[q][kk];
                }
            for (; j < cols; j++)
            {
                float* s = w + (long)(j0 + j) * k;
                for (int kk = 0; kk < k; kk++) panel[(long)kk * nr + j] = s[kk];
            }
            for (j = cols; j < nr; j++)
                for (int kk = 0; kk < k; kk++) panel[(long)kk * nr + j] = 0f;
        });
    }
}
