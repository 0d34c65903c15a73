using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Single-precision GEMM for the CPU backend: C (+)= op(A) * op(B), row-major, on all cores.
/// </summary>
/// <remarks>
/// The BLIS pattern: a K block of A is packed once into MR-row panels shared by all threads; each task packs
/// one NR-column panel of B into its own buffer and sweeps it against every A panel with a register-blocked
/// micro-kernel. With AVX-512 the micro-kernel holds an 8x32 tile in 16 zmm accumulators (two B vectors and
/// a broadcast per k: 16 FMAs for 2 loads), the shape ILGPU-NOTES.md measured fastest here; without
/// it a 6x16 tile fits the 16 ymm registers of AVX2.
/// </remarks>
public static unsafe class Gemm
{
    const int KC = 256;
    /// <summary>Column panels per task.</summary>
    const int NB = 4;

    /// <summary>
    /// C[M,N] = op(A)[M,K] * op(B)[K,N], or C += when <paramref name="accumulate"/>. op(A) is A, or Aᵀ stored
    /// as [K, M] when <paramref name="transA"/>; likewise B. lda, ldb and ldc are the row strides as stored.
    /// </summary>
    public static void Sgemm(CpuKernelOptions o, bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate) =>
        Sgemm(o, transA, m, n, k, a, lda, new DenseB(b, ldb, transB), c, ldc, accumulate);

    /// <summary>
    /// Whether an M x N product runs on the 8x32 Vector512 kernel: where <see cref="CpuKernelOptions.Use512"/> is set,
    /// unless <see cref="CpuKernelOptions.PaddingPicksKernel"/> and its padded tiles cover over 1.25 times as much of C
    /// as 6x16 ones. Where a 512-bit FMA costs two 256-bit ones (Zen 4) padding is all that
    /// separates the two; elsewhere the wide kernel's double rate at worse padding at least ties.
    /// </summary>
    public static bool Wide(CpuKernelOptions o, long m, long n)
    {
        if (!o.Use512) return false;
        if (!o.PaddingPicksKernel) return true;
        long wide = (m + 7) / 8 * 8 * ((n + 31) / 32 * 32), narrow = (m + 5) / 6 * 6 * ((n + 15) / 16 * 16);
        // The wide tile does more work per load and broadcast, so it keeps products whose padding is only a little worse.
        return wide * 4 <= narrow * 5;
    }

    /// <summary>
    /// C[M,N] (+)= op(A)[M,K] * B[K,N] where B is produced panel by panel by <paramref name="b"/> while packing,
    /// so a convolution can feed its unfolded input without materialising it.
    /// </summary>
    public static void Sgemm<TB>(CpuKernelOptions o, bool transA, int m, int n, int k, float* a, int lda, TB b, float* c, int ldc, bool accumulate)
        where TB : struct, IPackedB
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        if (SkinnyGemm.Applies(o, m, n, k))
        {
            SkinnyGemm.Run(o, transA, m, n, k, a, lda, b, c, ldc, accumulate);
            return;
        }
        if (o.SwapNarrow && transA && n <= NarrowColumns && m >= 64 && m >= 4 * n && (long)m * k >= 1 << 16)
        {
            SgemmNarrow(o, m, n, k, a, lda, b, c, ldc, accumulate);
            return;
        }
        bool use512 = Wide(o, m, n);
        int mr = use512 ? 8 : 6, nr = use512 ? 32 : 16;
        int mPanels = (m + mr - 1) / mr;
        int nPanels = (n + nr - 1) / nr;
        // All of A is packed up front when it fits, so one parallel sweep covers every K block and each task's
        // C tile stays in cache from the first K block to the last.
        long kbMax = Math.Max(KC, APackBudget / ((long)mPanels * mr) / KC * KC);
        int kb = (int)Math.Min(k, kbMax);
        float* apack = APackBuffer((long)mPanels * mr * kb);
        // A task owns up to NB adjacent column panels: packing them together reads B in runs of NB*NR floats,
        // which matters when B's rows are far apart (page walks). Rows are split too when there are too few
        // column blocks to keep every core busy.
        int workers = o.Threads;
        int panelsPerBlock = Math.Max(1, Math.Min(NB, nPanels / (2 * workers)));
        int nBlocks = (nPanels + panelsPerBlock - 1) / panelsPerBlock;
        int rowBlocks = Math.Max(1, Math.Min(mPanels, (o.TasksPerWorker * workers + nBlocks - 1) / nBlocks));
        int panelsPerRowBlock = (mPanels + rowBlocks - 1) / rowBlocks;
        rowBlocks = (mPanels + panelsPerRowBlock - 1) / panelsPerRowBlock;

        // Frozen weights (inference) are packed once, every K pass after the other, and read from there afterwards.
        float* prepacked = o.Prepacked is { } pw
            ? pw.Get(a, transA, mr, m, k, lda, kb, (long)mPanels * mr * k, dst =>
            {
                for (int k0 = 0; k0 < k; k0 += kb)
                    PackAll(o, new GemmArgs(transA, m, n, Math.Min(kb, k - k0), k0, a, lda, c, ldc, false, (float*)dst + (long)mPanels * mr * k0, mr, nr, use512, o.PackAcrossPanels), mPanels);
            })
            : null;

        for (int k0 = 0; k0 < k; k0 += kb)
        {
            int kLen = Math.Min(kb, k - k0);
            float* ap = prepacked != null ? prepacked + (long)mPanels * mr * k0 : apack;
            var ctx = new GemmArgs(transA, m, n, kLen, k0, a, lda, c, ldc, accumulate || k0 > 0, ap, mr, nr, use512, o.PackAcrossPanels);
            if (prepacked == null) PackAll(o, ctx, mPanels);
            int tasks = nBlocks * rowBlocks;
            Par.Loop(o, 0, tasks, t =>
            {
                int jb = t / rowBlocks, rb = t % rowBlocks;
                int p0 = rb * panelsPerRowBlock;
                int jp0 = jb * panelsPerBlock;
                RunTask(ctx, b, jp0, Math.Min(nPanels, jp0 + panelsPerBlock), p0, Math.Min(mPanels, p0 + panelsPerRowBlock));
            });
        }
    }

    static void PackAll(CpuKernelOptions o, GemmArgs ctx, int mPanels)
    {
        // Packing A is a copy; a thread hand-off only pays for itself on large operands.
        if (mPanels > 1 && (long)mPanels * ctx.Mr * ctx.Kc > 1 << 18) Par.Loop(o, 0, mPanels, ip => PackA(ctx, ip));
        else for (int ip = 0; ip < mPanels; ip++) PackA(ctx, ip);
    }

    /// <summary>Columns up to which a GEMM with a large, transposed A runs as C^T = B^T A (<see cref="SgemmNarrow"/>).</summary>
    const int NarrowColumns = 256;

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_narrowB, t_narrowC;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_narrowBLen, t_narrowCLen;

    /// <summary>
    /// C = A^T B for a B of at most <see cref="NarrowColumns"/> columns, as C^T = B^T A: the large A (stored [K, M])
    /// becomes the right operand, packed a panel at a time into a cache-resident buffer and used there, instead of
    /// packed whole up front (a copy of all of A, then a second pass over the copy) to feed a single column panel.
    /// </summary>
    /// <remarks>
    /// Added for speed (issue 6): U-Net-256's transposed convs (weights up to 8.4 M floats, 1 to 256 input pixels)
    /// go through this GEMM (W^T dy, then col2im) and spent much of it packing W. `bench conv-paths` measured their
    /// input gradients faster this way up to 256 columns and slower at 1,024 (bench/README.md), hence the limit of 256
    /// and M at least 4N. Not for A stored [M, K] (the forward convs): reading it transposed while packing measured
    /// slower than the plain path.
    /// </remarks>
    static void SgemmNarrow<TB>(CpuKernelOptions o, int m, int n, int k, float* a, int lda, TB b, float* c, int ldc, bool accumulate)
        where TB : struct, IPackedB
    {
        // B^T [n x k]: B packed as one panel exactly n wide ([k][n]), then transposed.
        float* packed = Scratch.Grow(ref t_narrowB, ref t_narrowBLen, 2L * k * n);
        float* bt = packed + (long)k * n;
        b.Pack(0, k, 0, n, n, packed);
        Transpose(o, packed, k, n, n, bt, k, false);
        float* ct = Scratch.Grow(ref t_narrowC, ref t_narrowCLen, (long)n * m);
        // A, stored [K, M], is the right operand as it is.
        Sgemm(o, false, n, m, k, bt, k, new DenseB(a, lda, false), ct, m, false);
        Transpose(o, ct, n, m, m, c, ldc, accumulate);
    }

    /// <summary>
    /// d[j * ldd + i] (+)= s[i * lds + j] for i &lt; rows, j &lt; cols: 8x8 blocks through registers, in parallel over
    /// column blocks (a scalar loop was a large share of the transposed conv it served; bench/README.md).
    /// </summary>
    internal static void Transpose(CpuKernelOptions o, float* s, int rows, int cols, int lds, float* d, int ldd, bool accumulate)
    {
        int blocks = (cols + 7) / 8;
        Par.For(o, blocks, Math.Max(1, 65536 / Math.Max(1, rows * 8)), (b0, b1) =>
        {
            float** src = stackalloc float*[8];
            for (long b = b0; b < b1; b++)
            {
                int j0 = (int)b * 8, jn = Math.Min(8, cols - j0);
                int i = 0;
                if (!accumulate && jn == 8 && Avx.IsSupported)
                    for (; i + 8 <= rows; i += 8)
                    {
                        for (int q = 0; q < 8; q++) src[q] = s + (long)(i + q) * lds + j0;
                        // Im2ColTransposedB.Transpose8: dst[t * ld + q] = src[q][t].
                        Im2ColTransposedB.Transpose8(src, 0, d + (long)j0 * ldd + i, ldd);
                    }
                for (; i < rows; i++)
                    for (int j = j0; j < j0 + jn; j++)
                    {
                        float v = s[(long)i * lds + j];
                        float* t = d + (long)j * ldd + i;
                        *t = accumulate ? *t + v : v;
                    }
            }
        });
    }

    /// <summary>Largest packed A, in floats (16 MiB); beyond it K is swept in several passes.</summary>
    const long APackBudget = 1L << 22;

    readonly struct GemmArgs(bool transA, int m, int n, int kc, int pc,
        float* a, int lda, float* c, int ldc, bool accumulate, float* apack, int mr, int nr, bool use512, bool packAcrossPanels)
    {
        public readonly bool TransA = transA, Accumulate = accumulate, Use512 = use512, PackAcrossPanels = packAcrossPanels;
        public readonly int M = m, N = n, Kc = kc, Pc = pc, Lda = lda, Ldc = ldc, Mr = mr, Nr = nr;
        public readonly float* A = a, C = c, APack = apack;
    }

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_apack;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_apackLen;

    /// <summary>The calling thread's packed-A buffer; it only grows, so steady-state GEMMs allocate nothing.</summary>
    static float* APackBuffer(long floats) => Scratch.Grow(ref t_apack, ref t_apackLen, floats);

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_bpack;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_bpackLen;

    /// <summary>The calling thread's packed-B panels; kept for the life of the thread, so the steady state allocates nothing.</summary>
    static float* BPackBuffer(int floats) => Scratch.Grow(ref t_bpack, ref t_bpackLen, floats);

    /// <summary>Packs row panel ip of op(A) for this pass's K range as [k][mr], zero rows past M.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackA(in GemmArgs g, int ip)
    {
        int mr = g.Mr, kc = g.Kc;
        int i0 = ip * mr;
        int rows = Math.Min(mr, g.M - i0);
        float* dst = g.APack + (long)ip * mr * kc;
        if (!g.TransA)
        {
            // k outer, rows inner: each packed line is written once while the mr source rows stream in parallel
            // (rows outer wrote every line mr times at a stride, which showed as the top packing cost in profiles).
            float* a0 = g.A + (long)i0 * g.Lda + g.Pc;
            long lda = g.Lda;
            if (rows == mr)
            {
                int k8 = 0;
                if (mr == 8 && Avx.IsSupported)
                {
                    // 8x8 blocks transposed in registers: a forward conv repacks its weights (several MB in a U-Net)
                    // on every call, and the scalar gather below reads one float per load.
                    float** src = stackalloc float*[8];
                    for (int r = 0; r < 8; r++) src[r] = a0 + r * lda;
                    for (; k8 + 8 <= kc; k8 += 8) Im2ColTransposedB.Transpose8(src, k8, dst + (long)k8 * 8, 8);
                }
                for (int kk = k8; kk < kc; kk++)
                {
                    float* d = dst + (long)kk * mr;
                    float* src = a0 + kk;
                    for (int r = 0; r < mr; r++) d[r] = src[r * lda];
                }
                return;
            }
            for (int kk = 0; kk < kc; kk++)
            {
                float* d = dst + (long)kk * mr;
                for (int r = 0; r < rows; r++) d[r] = a0[r * lda + kk];
                for (int r = rows; r < mr; r++) d[r] = 0f;
            }
            return;
        }
        else
        {
            for (int kk = 0; kk < kc; kk++)
            {
                float* src = g.A + (long)(g.Pc + kk) * g.Lda + i0;
                float* d = dst + (long)kk * mr;
                for (int r = 0; r < rows; r++) d[r] = src[r];
            }
        }
        if (rows < mr)
            for (int kk = 0; kk < kc; kk++)
                for (int r = rows; r < mr; r++) dst[(long)kk * mr + r] = 0f;
    }

    /// <summary>Column panels [jp0, jp1) of C against row panels [p0, p1), over every K block of the pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RunTask<TB>(in GemmArgs g, TB b, int jp0, int jp1, int p0, int p1) where TB : struct, IPackedB
    {
        int mr = g.Mr, nr = g.Nr;
        float* bpack = BPackBuffer(NB * KC * nr);
        float* tile = stackalloc float[8 * 32 + 16];
        for (int pc = 0; pc < g.Kc; pc += KC)
        {
            int kc = Math.Min(KC, g.Kc - pc);
            bool acc = g.Accumulate || pc > 0;
            if (g.PackAcrossPanels) b.PackPanels(g.Pc + pc, kc, jp0 * nr, g.N, nr, jp1 - jp0, bpack);
            else
                for (int jp = jp0; jp < jp1; jp++)
                {
                    int j0 = jp * nr;
                    b.Pack(g.Pc + pc, kc, j0, Math.Min(nr, g.N - j0), nr, bpack + (long)(jp - jp0) * kc * nr);
                }
            for (int jp = jp0; jp < jp1; jp++)
            {
                int j0 = jp * nr;
                int cols = Math.Min(nr, g.N - j0);
                float* bp = bpack + (long)(jp - jp0) * kc * nr;
                for (int ip = p0; ip < p1; ip++)
                {
                    int i0 = ip * mr;
                    int rows = Math.Min(mr, g.M - i0);
                    float* ap = g.APack + (long)ip * mr * g.Kc + (long)pc * mr;
                    float* cp = g.C + (long)i0 * g.Ldc + j0;
                    if (rows == mr && cols == nr)
                    {
                        if (g.Use512) Kernel8x32(kc, ap, bp, cp, g.Ldc, acc);
                        else Kernel6x16(kc, ap, bp, cp, g.Ldc, acc);
                    }
                    else
                    {
                        // Edge tile: compute the full register tile into scratch, then add or copy the valid part.
                        if (g.Use512) Kernel8x32(kc, ap, bp, tile, nr, false);
                        else Kernel6x16(kc, ap, bp, tile, nr, false);
                        for (int r = 0; r < rows; r++)
                        {
                            float* dst = cp + (long)r * g.Ldc;
                            float* src = tile + r * nr;
                            if (acc) for (int j = 0; j < cols; j++) dst[j] += src[j];
                            else for (int j = 0; j < cols; j++) dst[j] = src[j];
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel8x32(int kc, float* ap, float* bp, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int kk = 0; kk < kc; kk++, ap += 8, bp += 32)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var av = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(ap[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(ap[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(ap[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(ap[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(ap[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(ap[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(ap[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
        }
        Store512(c, c00, c01, accumulate); c += ldc;
        Store512(c, c10, c11, accumulate); c += ldc;
        Store512(c, c20, c21, accumulate); c += ldc;
        Store512(c, c30, c31, accumulate); c += ldc;
        Store512(c, c40, c41, accumulate); c += ldc;
        Store512(c, c50, c51, accumulate); c += ldc;
        Store512(c, c60, c61, accumulate); c += ldc;
        Store512(c, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c); v1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel6x16(int kc, float* ap, float* bp, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int kk = 0; kk < kc; kk++, ap += 6, bp += 16)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var av = Vector256.Create(ap[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(ap[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(ap[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(ap[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(ap[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(ap[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
        }
        Store256(c, c00, c01, accumulate); c += ldc;
        Store256(c, c10, c11, accumulate); c += ldc;
        Store256(c, c20, c21, accumulate); c += ldc;
        Store256(c, c30, c31, accumulate); c += ldc;
        Store256(c, c40, c41, accumulate); c += ldc;
        Store256(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
        v0.Store(c); v1.Store(c + 8);
    }
}

/// <summary>
/// A right-hand GEMM operand that packs itself: writes rows [k0, k0 + kc) and columns [j0, j0 + cols) of B as
/// dst[kk * nr + j], with zeros in columns cols..nr-1.
/// </summary>
public unsafe interface IPackedB
{
    /// <summary>Packs one K block of one column panel.</summary>
    void Pack(int k0, int kc, int j0, int cols, int nr, float* dst);

    /// <summary>
    /// Packs one K block of <paramref name="count"/> adjacent column panels starting at column j0 (B has n columns,
    /// so the last panel may be partial): panel p goes to dst + p * kc * nr. Going row by row across the panels
    /// uses each source cache line whole before moving on; panel after panel re-fetched every line once per panel
    /// when B's rows (or an image's planes) lie a power of two apart and evict each other.
    /// </summary>
    void PackPanels(int k0, int kc, int j0, int n, int nr, int count, float* dst);
}

/// <summary>B stored in memory, row-major [K, N] with row stride ldb, or transposed ([N, K]).</summary>
public readonly unsafe struct DenseB(float* b, int ldb, bool transposed) : IPackedB
{
    readonly float* _b = b;
    readonly int _ldb = ldb;
    readonly bool _t = transposed;

    /// <inheritdoc />
    public void PackPanels(int k0, int kc, int j0, int n, int nr, int count, float* dst)
    {
        if (_t || count == 1 || j0 + count * nr > n)
        {
            for (int p = 0; p < count; p++)
            {
                int j = j0 + p * nr;
                Pack(k0, kc, j, Math.Min(nr, n - j), nr, dst + (long)p * kc * nr);
            }
            return;
        }
        long panel = (long)kc * nr;
        for (int kk = 0; kk < kc; kk++)
        {
            float* src = _b + (long)(k0 + kk) * _ldb + j0;
            float* d = dst + kk * nr;
            for (int p = 0; p < count; p++, src += nr, d += panel)
                Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
        }
    }

    /// <inheritdoc />
    public void Pack(int k0, int kc, int j0, int cols, int nr, float* dst)
    {
        if (!_t)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                float* src = _b + (long)(k0 + kk) * _ldb + j0;
                float* d = dst + kk * nr;
                if (cols == nr) Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
                else
                {
                    int j = 0;
                    for (; j < cols; j++) d[j] = src[j];
                    for (; j < nr; j++) d[j] = 0f;
                }
            }
        }
        else
        {
            for (int j = 0; j < cols; j++)
            {
                float* src = _b + (long)(j0 + j) * _ldb + k0;
                for (int kk = 0; kk < kc; kk++) dst[kk * nr + j] = src[kk];
            }
            for (int j = cols; j < nr; j++)
                for (int kk = 0; kk < kc; kk++) dst[kk * nr + j] = 0f;
        }
    }
}
