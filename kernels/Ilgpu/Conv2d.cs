using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Frontend;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// 2-D convolution with zero padding, NCHW, weight [O, C, KH, KW], any kernel size, stride and padding, as
/// implicit GEMMs (the unfolded input is never stored) in two variants, each generic over its register tile:
/// <list type="bullet">
/// <item><b>Register-tiled</b> (<see cref="Forward"/>, <see cref="BackwardData"/>, <see cref="BackwardWeight"/>):
/// each work-item accumulates a tile of outputs in registers and reads global memory directly; no barriers, no
/// shared memory. Meant for CPU-like devices (PoCL, ILGPU's CPU accelerator), where LLVM vectorises a tile row's
/// contiguous loads and multiply-adds, and where barriers are expensive.</item>
/// <item><b>Shared-memory tiled</b> (<see cref="Shared{TTile, TRow, TProblem, TBarrier, TSize}"/>): a work-group stages a tile of each
/// GEMM operand in shared memory per step of the reduction, and each thread accumulates its register tile from
/// there. Meant for GPUs. One kernel body serves the three passes through <see cref="IConvGemm{TSelf}"/>.</item>
/// </list>
/// All of them are gathers (each output is written by one work-item), so nothing needs atomics. Channels or
/// pixels that do not fill a tile re-read the last valid row or read zeros, and are not stored.
/// </summary>
public static class ConvKernels
{
    private static int Min(int a, int b) => a < b ? a : b;



    // ---- register-tiled -----------------------------------------------------------------------------

    /// <summary>Work-items of <see cref="Forward"/> with tile rows x columns: N * ceil(O/rows) * OutH * ceil(OutW/columns).</summary>
    public static int ForwardItems(in ConvGeometry g, int rows, int columns) =>
        g.N * ((g.O + rows - 1) / rows) * g.OutH * ((g.OutW + columns - 1) / columns);

    /// <summary>
    /// Work-items of <see cref="BackwardData"/>: N * ceil(C/rows) * H * StrideW * ceil(ceil(W/StrideW)/columns)
    /// (input columns are split by their phase modulo the stride).
    /// </summary>
    public static int BackwardDataItems(in ConvGeometry g, int rows, int columns) =>
        g.N * ((g.C + rows - 1) / rows) * g.H * g.StrideW * (((g.W + g.StrideW - 1) / g.StrideW + columns - 1) / columns);

    /// <summary>Work-items of <see cref="BackwardWeight"/>: ceil(O/rows) * ceil(C/2) * KH * KW.</summary>
    public static int BackwardWeightItems(in ConvGeometry g, int rows) => (g.O + rows - 1) / rows * ((g.C + 1) / 2) * g.KH * g.KW;

    /// <summary>
    /// y[n, o, oh, ow] = sum over c, kh, kw of x[n, c, oh*s - p + kh, ow*s - p + kw] * w[o, c, kh, kw] (+ b[o] when
    /// hasBias != 0). Work-item u covers TTile.Height consecutive output channels x TRow.Width consecutive output
    /// columns of one output row of one image; u runs over columns fastest, then rows, channels, images.
    /// The channels run in blocks of <c>block</c>, with the taps inside a block (a block's input rows stay in cache
    /// for all its taps); for each tap the channel loop is branch-free: the tile's input columns are either all
    /// inside the row (contiguous loads when the stride is 1) or read through a mask. A caller that pads the rows
    /// (see <see cref="PadColumns"/>) never takes the masked loop.
    /// </summary>
    public static void Forward<TTile, TRow>(Index1D t, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b,
        ArrayView<float> y, ConvGeometry g, int hasBias, int block, int count, int stride)
        where TTile : struct, ITile<TTile, TRow> where TRow : struct, IRow<TRow>
    {
        int tm = default(TTile).Height, tn = default(TRow).Width;
        int colTiles = (g.OutW + tn - 1) / tn;
        int chTiles = (g.O + tm - 1) / tm;
        int hw = g.H * g.W, kk = g.KH * g.KW, ckk = g.C * kk, outPix = g.OutH * g.OutW;
        int sw = g.StrideW;
        for (int u = t; u < count; u += stride)
        {
            int ct = u % colTiles;
            int r = u / colTiles;
            int oh = r % g.OutH;
            r /= g.OutH;
            int ot = r % chTiles;
            int img = r / chTiles;
            int o0 = ot * tm, ow0 = ct * tn;
            int rows = Min(tm, g.O - o0);
            var acc = default(TTile);
            acc.Zero();
            acc.SetRows(rows, ckk);
            var v = default(TRow);
            int ih0 = oh * g.StrideH - g.PadH, iw0 = ow0 * sw - g.PadW;
            int khs = ih0 < 0 ? -ih0 : 0, khe = g.H - ih0 < g.KH ? g.H - ih0 : g.KH;
            // Channels in blocks, taps inside: the input rows of a block stay in cache for all its taps.
            for (int cb = 0; cb < g.C; cb += block)
            {
                int cn = Min(block, g.C - cb);
                int xBlock = (img * g.C + cb) * hw, wBlock = o0 * ckk + cb * kk;
                for (int kh = khs; kh < khe; kh++)
                {
                    int xRow = xBlock + (ih0 + kh) * g.W;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        int col = iw0 + kw;
                        int wi = wBlock + kh * g.KW + kw;
                        if (col >= 0 && col + (tn - 1) * sw < g.W)
                        {
                            int xi = xRow + col;
                            if (sw == 1)
                            {
                                for (int c = 0; c < cn; c++, xi += hw, wi += kk)
                                {
                                    v.Load(x, xi);
                                    acc.Fma(w, wi, v);
                                }
                            }
                            else
                            {
                                for (int c = 0; c < cn; c++, xi += hw, wi += kk)
                                {
                                    v.LoadStrided(x, xi, sw);
                                    acc.Fma(w, wi, v);
                                }
                            }
                        }
                        else
                        {
                            int xi = xRow;
                            for (int c = 0; c < cn; c++, xi += hw, wi += kk)
                            {
                                v.LoadMasked(x, xi, col, sw, g.W);
                                acc.Fma(w, wi, v);
                            }
                        }
                    }
                }
            }
            acc.Store(y, (img * g.O + o0) * outPix + oh * g.OutW + ow0, outPix, rows, 1, Min(tn, g.OutW - ow0), b, o0, 1, hasBias);
        }
    }

    /// <summary>
    /// dx[n, c, ih, iw] = sum over o and the taps (kh, kw) whose output position oh = (ih + p - kh) / s is an
    /// exact, in-range quotient of dy[n, o, oh, ow] * w[o, c, kh, kw]. This is also conv_transpose2d's forward:
    /// dx's H and W come from the geometry, so output_padding needs nothing special.
    /// Work-item u covers TTile.Height consecutive input channels x TRow.Width input columns of one phase
    /// (iw = phase + StrideW * q for consecutive q) of one input row: for a given tap, those columns read
    /// consecutive dy columns, so every stride gets contiguous loads. Output channels run in blocks of <c>block</c>
    /// with the taps inside, as in <see cref="Forward"/>.
    /// </summary>
    public static void BackwardData<TTile, TRow>(Index1D t, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvGeometry g, int block, int count, int stride)
        where TTile : struct, ITile<TTile, TRow> where TRow : struct, IRow<TRow>
    {
        int tm = default(TTile).Height, tn = default(TRow).Width;
        int sw = g.StrideW, sh = g.StrideH;
        int colTiles = ((g.W + sw - 1) / sw + tn - 1) / tn;
        int chTiles = (g.C + tm - 1) / tm;
        int hw = g.H * g.W, kk = g.KH * g.KW, ckk = g.C * kk, outPix = g.OutH * g.OutW;
        for (int u = t; u < count; u += stride)
        {
            int ct = u % colTiles;
            int r = u / colTiles;
            int phase = r % sw;
            r /= sw;
            int ih = r % g.H;
            r /= g.H;
            int cT = r % chTiles;
            int img = r / chTiles;
            int c0 = cT * tm, q0 = ct * tn;
            int rows = Min(tm, g.C - c0);
            // Input columns of this phase: phase, phase + s, ... < W.
            int cols = Min(tn, (g.W - phase + sw - 1) / sw - q0);
            if (cols <= 0) continue;
            var acc = default(TTile);
            acc.Zero();
            acc.SetRows(rows, kk);
            var v = default(TRow);
            // Output channels in blocks, taps inside: the dy rows of a block stay in cache for all its taps.
            for (int ob = 0; ob < g.O; ob += block)
            {
                int on = Min(block, g.O - ob);
                int dyBlock = (img * g.O + ob) * outPix, wBlock = ob * ckk + c0 * kk;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int th = ih + g.PadH - kh;
                    // th < 0 is tested first: C# division truncates toward zero, so -1 / 2 would look like row 0.
                    if (th < 0 || th % sh != 0) continue;
                    int oh = th / sh;
                    if (oh >= g.OutH) continue;
                    int dyRow = dyBlock + oh * g.OutW;
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        // Column q of the tile reads dy column (phase + p - kw) / s + q0 + q when the division is exact
                        // (a remainder is zero for a multiple of s of either sign, and then truncation is exact too).
                        int tw = phase + g.PadW - kw;
                        if (tw % sw != 0) continue;
                        int ow0 = tw / sw + q0;
                        int wi = wBlock + kh * g.KW + kw;
                        if (ow0 >= 0 && ow0 + tn - 1 < g.OutW)
                        {
                            int di = dyRow + ow0;
                            for (int o = 0; o < on; o++, di += outPix, wi += ckk)
                            {
                                v.Load(dy, di);
                                acc.Fma(w, wi, v);
                            }
                        }
                        else
                        {
                            int di = dyRow;
                            for (int o = 0; o < on; o++, di += outPix, wi += ckk)
                            {
                                v.LoadMasked(dy, di, ow0, 1, g.OutW);
                                acc.Fma(w, wi, v);
                            }
                        }
                    }
                }
            }
            acc.Store(dx, (img * g.C + c0) * hw + ih * g.W + phase + sw * q0, hw, rows, sw, cols, dx, 0, 0, 0);
        }
    }

    /// <summary>
    /// dw[o, c, kh, kw] = sum over n, oh, ow of dy[n, o, oh, ow] * x[n, c, oh*s - p + kh, ow*s - p + kw].
    /// Work-item u covers TTile.Height consecutive output channels x 2 consecutive input channels of one tap
    /// (kh, kw), so each dy vector loaded feeds two multiply-adds; u runs over kw fastest, then kh, channel pairs
    /// and output-channel tiles, so neighbouring work-items share the dy rows and x planes. Each output row is summed
    /// in TRow.Width lanes side by side (lane j takes every Width-th pixel of the row's valid span, which starts
    /// where the tap kw lands inside the input); each row's lanes are folded into per-lane totals and the lanes added
    /// pairwise at the end, which keeps float error small for large N * OutH * OutW.
    /// </summary>
    public static void BackwardWeight<TTile, TRow>(Index1D t, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        ConvGeometry g, int count, int stride)
        where TTile : struct, ITile<TTile, TRow> where TRow : struct, IRow<TRow>
    {
        int tm = default(TTile).Height, lanes = default(TRow).Width;
        int hw = g.H * g.W, kk = g.KH * g.KW, ckk = g.C * kk, outPix = g.OutH * g.OutW;
        int sw = g.StrideW;
        int pairs = (g.C + 1) / 2;
        for (int u = t; u < count; u += stride)
        {
            int kw = u % g.KW;
            int r = u / g.KW;
            int kh = r % g.KH;
            r /= g.KH;
            int c0 = r % pairs * 2;
            int o0 = r / pairs * tm;
            int rows = Min(tm, g.O - o0);
            // The second channel of an odd C's last pair re-reads the first (and is not stored).
            int c1Off = c0 + 1 < g.C ? hw : 0;
            // Output columns whose tap kw lands inside the input: iw = ow*s - p + kw in [0, W).
            int ows = 0;
            while (ows < g.OutW && ows * sw - g.PadW + kw < 0) ows++;
            int owe = g.OutW;
            while (owe > ows && (owe - 1) * sw - g.PadW + kw >= g.W) owe--;
            var acc0 = default(TTile);
            var acc1 = default(TTile);
            var total0 = default(TTile);
            var total1 = default(TTile);
            acc0.Zero();
            acc1.Zero();
            total0.Zero();
            total1.Zero();
            acc0.SetRows(rows, outPix);
            acc1.SetRows(rows, outPix);
            var v0 = default(TRow);
            var v1 = default(TRow);
            for (int img = 0; img < g.N; img++)
            {
                int xPlane = (img * g.C + c0) * hw;
                int dyPlane = (img * g.O + o0) * outPix;
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int ih = oh * g.StrideH - g.PadH + kh;
                    if (ih < 0 || ih >= g.H) continue;
                    int xRow = xPlane + ih * g.W - g.PadW + kw;
                    int dyRow = dyPlane + oh * g.OutW;
                    int ow = ows;
                    if (sw == 1)
                    {
                        for (; ow + lanes <= owe; ow += lanes)
                        {
                            v0.Load(x, xRow + ow);
                            v1.Load(x, xRow + c1Off + ow);
                            acc0.FmaLanes(dy, dyRow + ow, v0);
                            acc1.FmaLanes(dy, dyRow + ow, v1);
                        }
                    }
                    else
                    {
                        for (; ow + lanes <= owe; ow += lanes)
                        {
                            v0.LoadStrided(x, xRow + ow * sw, sw);
                            v1.LoadStrided(x, xRow + c1Off + ow * sw, sw);
                            acc0.FmaLanes(dy, dyRow + ow, v0);
                            acc1.FmaLanes(dy, dyRow + ow, v1);
                        }
                    }
                    if (ow < owe)
                    {
                        int rest = owe - ow;
                        v0.LoadMasked(x, xRow + ow * sw, 0, sw, rest * sw);
                        v1.LoadMasked(x, xRow + c1Off + ow * sw, 0, sw, rest * sw);
                        acc0.FmaLanesFirst(dy, dyRow + ow, rest, v0);
                        acc1.FmaLanesFirst(dy, dyRow + ow, rest, v1);
                    }
                    total0.Add(acc0);
                    total1.Add(acc1);
                    acc0.Zero();
                    acc1.Zero();
                }
            }
            int di = (o0 * g.C + c0) * kk + kh * g.KW + kw;
            total0.StoreSums(dw, di, ckk, rows);
            if (c0 + 1 < g.C) total1.StoreSums(dw, di + kk, ckk, rows);
        }
    }

    /// <summary>
    /// dst row r = left zeros, src row r (w floats), then zeros up to wp; count = rows * wp. Lets the register-tiled
    /// kernels read a tile's columns without a mask: they run on the padded rows with a geometry whose W (or
    /// OutW) and padding account for the added columns.
    /// </summary>
    public static void PadColumns(Index1D t, ArrayView<float> src, ArrayView<float> dst, int w, int left, int wp, int count, int stride)
    {
        for (int u = t; u < count; u += stride)
        {
            int r = u / wp, j = u - r * wp - left;
            dst[u] = j >= 0 && j < w ? src[r * w + j] : 0f;
        }
    }

    // ---- shared-memory tiled ------------------------------------------------------------------------

    /// <summary>Floats of shared memory <see cref="Shared{TTile, TRow, TProblem, TBarrier, TSize}"/> uses.</summary>
    public static int SharedFloats(int groupX, int groupY, int rows, int columns, int k) =>
        k * (groupY * rows + 1) + k * groupX * columns;

    /// <summary>
    /// The groups of <see cref="Shared{TTile, TRow, TProblem, TBarrier, TSize}"/>: X over column blocks (per image for the passes
    /// whose columns are pixels), Y over row blocks.
    /// </summary>
    public static (int X, int Y) SharedGrid<TProblem>(in ConvGeometry g, int groupX, int groupY, int rows, int columns)
        where TProblem : struct, IConvGemm<TProblem>
    {
        var p = default(TProblem);
        int bm = groupY * rows, bn = groupX * columns;
        return (p.Images(g) * ((p.Columns(g) + bn - 1) / bn), (p.Rows(g) + bm - 1) / bm);
    }

    /// <summary>
    /// C[M, N] = A[M, K] * B[K, N] for one of the conv passes (<typeparamref name="TProblem"/> says what A, B and C
    /// are), explicitly grouped: a group of GroupDim.X x GroupDim.Y threads computes a block of
    /// (Y * TTile.Height) rows x (X * TRow.Width) columns; thread (tx, ty) owns rows ty + i*Y and columns tx + j*X
    /// of the block (neighbouring threads read neighbouring shared words and write neighbouring outputs). Each step
    /// of the reduction stages k rows of B and k columns of A in shared memory (<see cref="SharedFloats"/> of the
    /// <typeparamref name="TSize"/> floats allocated; A transposed, its rows padded by one float against bank
    /// conflicts), then every
    /// thread runs k outer-product steps on its register tile; <typeparamref name="TBarrier"/> separates the two
    /// (see <see cref="IGroupBarrier"/>). Needs GroupDim.Y a multiple of TRow.Width and the
    /// group size a multiple of k, so that each thread stages a fixed column of B and a fixed column of A.
    /// </summary>
    public static void Shared<TTile, TRow, TProblem, TBarrier, TSize>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias,
        ArrayView<float> y, ConvGeometry g, int hasBias, int k)
        where TTile : struct, ITile<TTile, TRow> where TRow : struct, IRow<TRow> where TProblem : struct, IConvGemm<TProblem>
        where TBarrier : struct, IGroupBarrier where TSize : struct, ISharedSize
    {
        var shared = SharedMemory.Allocate<float>(default(TSize).Floats);
        int tx = Group.IdxX, ty = Group.IdxY, gx = Group.DimX, gy = Group.DimY;
        int tm = default(TTile).Height, tn = default(TRow).Width;
        int bm = gy * tm, bn = gx * tn, am = bm + 1;
        var sa = shared.SubView(0, k * am);
        var sb = shared.SubView(k * am, k * bn);
        var p = default(TProblem);
        int m = p.Rows(g), n = p.Columns(g);
        int colBlocks = (n + bn - 1) / bn;
        int img = Grid.IdxX / colBlocks, n0 = Grid.IdxX % colBlocks * bn, m0 = Grid.IdxY * bm;
        int tid = ty * gx + tx, threads = gx * gy;
        int bCol = tid % bn, bRow0 = tid / bn, bRowStep = threads / bn;
        int aK = tid % k, aRow0 = tid / k, aRowStep = threads / k;
        p.SetColumn(g, img, n0 + bCol);
        var acc = default(TTile);
        acc.Zero();
        acc.SetRows(tm, gy);
        var v = default(TRow);
        int steps = p.Steps(g, k);
        for (int s = 0; s < steps; s++)
        {
            p.SetStep(g, s, k);
            for (int kr = bRow0; kr < k; kr += bRowStep) sb[kr * bn + bCol] = p.B(b, g, kr);
            for (int mr = aRow0; mr < bm; mr += aRowStep) sa[aK * am + mr] = p.A(a, g, m0 + mr, aK);
            default(TBarrier).Sync();
            for (int kr = 0; kr < k; kr++)
            {
                v.LoadStrided(sb, kr * bn + tx, gx);
                acc.Fma(sa, kr * am + ty, v);
            }
            default(TBarrier).Sync();
        }
        int rowsLeft = m - m0 - ty, colsLeft = n - n0 - tx;
        int rows = rowsLeft <= 0 ? 0 : Min(tm, (rowsLeft + gy - 1) / gy);
        int cols = colsLeft <= 0 ? 0 : Min(tn, (colsLeft + gx - 1) / gx);
        acc.Store(y, p.Output(g, img, m0 + ty, n0 + tx), p.RowStride(g) * gy, rows, gx, cols, bias, m0 + ty, gy, hasBias);
    }
}

/// <summary>
/// The work-group barrier of <see cref="ConvKernels.Shared{TTile, TRow, TProblem, TBarrier, TSize}"/>, which must also order
/// the group's shared (OpenCL: local) memory. ILGPU 1.5.3's Group.Barrier() emits
/// <c>work_group_barrier(CLK_GLOBAL_MEM_FENCE)</c> in OpenCL C, which by the OpenCL spec does not order local memory:
/// PoCL then let a thread read a tile before the others had staged it (wrong results, a few runs in two). So OpenCL
/// gets <see cref="OpenClLocalBarrier"/>, everything else <see cref="GroupBarrier"/>.
/// </summary>
public interface IGroupBarrier
{
    /// <summary>Waits for the group; shared-memory writes before it are visible to reads after it.</summary>
    void Sync();
}

/// <summary>ILGPU's Group.Barrier(): bar.sync on PTX, a barrier of ILGPU's CPU accelerator. Not for OpenCL.</summary>
public struct GroupBarrier : IGroupBarrier
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Sync() => Group.Barrier();
}

/// <summary>
/// OpenCL C's own <c>barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)</c>, called by name (ILGPU's External: the
/// OpenCL backend emits the call as written). Only for OpenCL; on ILGPU's CPU accelerator the managed body runs.
/// </summary>
public struct OpenClLocalBarrier : IGroupBarrier
{
    private const int LocalAndGlobalFence = 1 | 2;   // CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Sync() => Barrier(LocalAndGlobalFence);

    [External("barrier")]
    private static void Barrier(int flags) => Group.Barrier();
}

/// <summary>
/// The shared memory <see cref="ConvKernels.Shared{TTile, TRow, TProblem, TBarrier, TSize}"/> allocates: a size fixed at
/// compile time (a static allocation). ILGPU 1.5.3's OpenCL backend keeps dynamic shared memory's pointer in a
/// program-scope variable that every work-group writes, so on a device that runs groups side by side (PoCL's
/// threads) a group could use another's memory; static allocations are plain local arrays of the kernel.
/// </summary>
public interface ISharedSize
{
    /// <summary>Floats allocated (a constant of the type).</summary>
    int Floats { get; }
}

/// <summary>1024 floats (4 KiB).</summary>
public struct SharedFloats1K : ISharedSize
{
    /// <inheritdoc />
    public readonly int Floats => 1024;
}

/// <summary>2048 floats (8 KiB).</summary>
public struct SharedFloats2K : ISharedSize
{
    /// <inheritdoc />
    public readonly int Floats => 2048;
}

/// <summary>4096 floats (16 KiB).</summary>
public struct SharedFloats4K : ISharedSize
{
    /// <inheritdoc />
    public readonly int Floats => 4096;
}

/// <summary>8192 floats (32 KiB).</summary>
public struct SharedFloats8K : ISharedSize
{
    /// <inheritdoc />
    public readonly int Floats => 8192;
}

/// <summary>12288 floats (48 KiB, CUDA's limit for static shared memory).</summary>
public struct SharedFloats12K : ISharedSize
{
    /// <inheritdoc />
    public readonly int Floats => 12288;
}

/// <summary>
/// One conv pass as a GEMM C[M, N] = A[M, K] * B[K, N] for <see cref="ConvKernels.Shared{TTile, TRow, TProblem, TBarrier, TSize}"/>:
/// its sizes, the reduction split into steps of k, and where each element of A, B and C lives. A struct holds the
/// decoded state of one thread: its column of B (<see cref="SetColumn"/>) and the current step (<see cref="SetStep"/>).
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IConvGemm<TSelf> where TSelf : struct, IConvGemm<TSelf>
{
    /// <summary>M.</summary>
    int Rows(ConvGeometry g);
    /// <summary>N per image (the columns of C that one block may cover never cross an image).</summary>
    int Columns(ConvGeometry g);
    /// <summary>How many images the columns repeat over (1 when the columns are not pixels).</summary>
    int Images(ConvGeometry g);
    /// <summary>Steps of the reduction, each of at most k terms.</summary>
    int Steps(ConvGeometry g, int k);
    /// <summary>Decodes this thread's column of B (col may be past the last column: B is then 0).</summary>
    void SetColumn(ConvGeometry g, int img, int col);
    /// <summary>Decodes step s of the reduction.</summary>
    void SetStep(ConvGeometry g, int s, int k);
    /// <summary>A[row, term kr of the current step], 0 outside A.</summary>
    float A(ArrayView<float> a, ConvGeometry g, int row, int kr);
    /// <summary>B[term kr of the current step, this thread's column], 0 outside B.</summary>
    float B(ArrayView<float> b, ConvGeometry g, int kr);
    /// <summary>Index of C[row, col] of image img in the output.</summary>
    int Output(ConvGeometry g, int img, int row, int col);
    /// <summary>Distance between C[row, col] and C[row + 1, col] in the output (columns are adjacent).</summary>
    int RowStride(ConvGeometry g);
}

/// <summary>
/// Forward: M = O, N = OutH*OutW per image, K = KH*KW taps x C channels (tap-major, so a step is one tap and up to
/// k channels, and staging needs no division). A = w, B = unfolded x, C = y.
/// </summary>
public struct ForwardGemm : IConvGemm<ForwardGemm>
{
    private int _xImg, _ih0, _iw0, _valid;
    private int _tap, _c0, _bIdx, _bOk;

    /// <inheritdoc />
    public readonly int Rows(ConvGeometry g) => g.O;
    /// <inheritdoc />
    public readonly int Columns(ConvGeometry g) => g.OutH * g.OutW;
    /// <inheritdoc />
    public readonly int Images(ConvGeometry g) => g.N;
    /// <inheritdoc />
    public readonly int Steps(ConvGeometry g, int k) => g.KH * g.KW * ((g.C + k - 1) / k);

    /// <inheritdoc />
    public void SetColumn(ConvGeometry g, int img, int col)
    {
        _valid = col < g.OutH * g.OutW ? 1 : 0;
        int oh = col / g.OutW, ow = col % g.OutW;
        _ih0 = oh * g.StrideH - g.PadH;
        _iw0 = ow * g.StrideW - g.PadW;
        _xImg = img * g.C * g.H * g.W;
    }

    /// <inheritdoc />
    public void SetStep(ConvGeometry g, int s, int k)
    {
        int cSteps = (g.C + k - 1) / k;
        _tap = s / cSteps;
        _c0 = s % cSteps * k;
        int ih = _ih0 + _tap / g.KW, iw = _iw0 + _tap % g.KW;
        _bOk = _valid != 0 && ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? 1 : 0;
        _bIdx = _xImg + ih * g.W + iw;
    }

    /// <inheritdoc />
    public readonly float A(ArrayView<float> a, ConvGeometry g, int row, int kr)
    {
        int c = _c0 + kr;
        return row < g.O && c < g.C ? a[(row * g.C + c) * g.KH * g.KW + _tap] : 0f;
    }

    /// <inheritdoc />
    public readonly float B(ArrayView<float> b, ConvGeometry g, int kr)
    {
        int c = _c0 + kr;
        return _bOk != 0 && c < g.C ? b[_bIdx + c * g.H * g.W] : 0f;
    }

    /// <inheritdoc />
    public readonly int Output(ConvGeometry g, int img, int row, int col) => (img * g.O + row) * g.OutH * g.OutW + col;
    /// <inheritdoc />
    public readonly int RowStride(ConvGeometry g) => g.OutH * g.OutW;
}

/// <summary>
/// Backward data (and conv_transpose2d's forward): M = C, N = H*W per image, K = KH*KW taps x O channels
/// (tap-major). A = w read as [C, O] per tap, B = dy gathered through the taps (0 where a tap does not land on an
/// output position), C = dx. With stride s, only 1/s^2 of the (tap, pixel) pairs are nonzero.
/// </summary>
public struct BackwardDataGemm : IConvGemm<BackwardDataGemm>
{
    private int _dyImg, _ih, _iw, _valid;
    private int _tap, _o0, _bIdx, _bOk;

    /// <inheritdoc />
    public readonly int Rows(ConvGeometry g) => g.C;
    /// <inheritdoc />
    public readonly int Columns(ConvGeometry g) => g.H * g.W;
    /// <inheritdoc />
    public readonly int Images(ConvGeometry g) => g.N;
    /// <inheritdoc />
    public readonly int Steps(ConvGeometry g, int k) => g.KH * g.KW * ((g.O + k - 1) / k);

    /// <inheritdoc />
    public void SetColumn(ConvGeometry g, int img, int col)
    {
        _valid = col < g.H * g.W ? 1 : 0;
        _ih = col / g.W;
        _iw = col % g.W;
        _dyImg = img * g.O * g.OutH * g.OutW;
    }

    /// <inheritdoc />
    public void SetStep(ConvGeometry g, int s, int k)
    {
        int oSteps = (g.O + k - 1) / k;
        _tap = s / oSteps;
        _o0 = s % oSteps * k;
        int th = _ih + g.PadH - _tap / g.KW, tw = _iw + g.PadW - _tap % g.KW;
        // Negative first: C# division truncates toward zero.
        bool ok = _valid != 0 && th >= 0 && tw >= 0 && th % g.StrideH == 0 && tw % g.StrideW == 0
            && th / g.StrideH < g.OutH && tw / g.StrideW < g.OutW;
        _bOk = ok ? 1 : 0;
        _bIdx = ok ? _dyImg + th / g.StrideH * g.OutW + tw / g.StrideW : 0;
    }

    /// <inheritdoc />
    public readonly float A(ArrayView<float> a, ConvGeometry g, int row, int kr)
    {
        int o = _o0 + kr;
        return row < g.C && o < g.O ? a[(o * g.C + row) * g.KH * g.KW + _tap] : 0f;
    }

    /// <inheritdoc />
    public readonly float B(ArrayView<float> b, ConvGeometry g, int kr)
    {
        int o = _o0 + kr;
        return _bOk != 0 && o < g.O ? b[_bIdx + o * g.OutH * g.OutW] : 0f;
    }

    /// <inheritdoc />
    public readonly int Output(ConvGeometry g, int img, int row, int col) => (img * g.C + row) * g.H * g.W + col;
    /// <inheritdoc />
    public readonly int RowStride(ConvGeometry g) => g.H * g.W;
}

/// <summary>
/// Backward weight: M = O, N = C*KH*KW, K = N*OutH output rows x OutW columns in steps of up to k columns of one
/// output row (so staging needs no division). A = dy, B = unfolded x transposed, C = dw.
/// </summary>
public struct BackwardWeightGemm : IConvGemm<BackwardWeightGemm>
{
    private int _c, _kh, _kw, _valid;
    private int _ow0, _aIdx, _xRow, _rowOk;

    /// <inheritdoc />
    public readonly int Rows(ConvGeometry g) => g.O;
    /// <inheritdoc />
    public readonly int Columns(ConvGeometry g) => g.C * g.KH * g.KW;
    /// <inheritdoc />
    public readonly int Images(ConvGeometry g) => 1;
    /// <inheritdoc />
    public readonly int Steps(ConvGeometry g, int k) => g.N * g.OutH * ((g.OutW + k - 1) / k);

    /// <inheritdoc />
    public void SetColumn(ConvGeometry g, int img, int col)
    {
        int kk = g.KH * g.KW;
        _valid = col < g.C * kk ? 1 : 0;
        _c = col / kk;
        _kh = col % kk / g.KW;
        _kw = col % g.KW;
    }

    /// <inheritdoc />
    public void SetStep(ConvGeometry g, int s, int k)
    {
        int owSteps = (g.OutW + k - 1) / k;
        _ow0 = s % owSteps * k;
        int r = s / owSteps;
        int oh = r % g.OutH, img = r / g.OutH;
        int ih = oh * g.StrideH - g.PadH + _kh;
        _rowOk = _valid != 0 && ih >= 0 && ih < g.H ? 1 : 0;
        _xRow = ((img * g.C + _c) * g.H + ih) * g.W;
        _aIdx = img * g.O * g.OutH * g.OutW + oh * g.OutW + _ow0;
    }

    /// <inheritdoc />
    public readonly float A(ArrayView<float> a, ConvGeometry g, int row, int kr) =>
        row < g.O && _ow0 + kr < g.OutW ? a[_aIdx + row * g.OutH * g.OutW + kr] : 0f;

    /// <inheritdoc />
    public readonly float B(ArrayView<float> b, ConvGeometry g, int kr)
    {
        int ow = _ow0 + kr;
        int iw = ow * g.StrideW - g.PadW + _kw;
        return _rowOk != 0 && ow < g.OutW && iw >= 0 && iw < g.W ? b[_xRow + iw] : 0f;
    }

    /// <inheritdoc />
    public readonly int Output(ConvGeometry g, int img, int row, int col) => row * g.C * g.KH * g.KW + col;
    /// <inheritdoc />
    public readonly int RowStride(ConvGeometry g) => g.C * g.KH * g.KW;
}
