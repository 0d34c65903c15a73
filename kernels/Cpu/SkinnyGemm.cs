using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// GEMMs whose B has only a few columns (<see cref="CpuKernelOptions.SkinnyColumns"/>): the inner convolutions of a
/// U-Net (1 to 4 output pixels, weights of up to 8 M floats) and the transposed convs fed by them. Such a GEMM is a
/// pass over A; the blocked path packs all of A first (a strided copy as large as A, then a second pass over the
/// copy) and pads B to a full 16- or 32-column panel, so it spent several times A's read time. Here A is read once,
/// where it lies, against B held in L1.
/// </summary>
/// <remarks>
/// Added for speed (issue 19, small images). Results differ from the blocked path only by summation order (each
/// C entry is one dot product over K either way, split into vector lanes here).
/// </remarks>
internal static unsafe class SkinnyGemm
{
    /// <summary>Columns of B handled per sweep over a block of A.</summary>
    const int Group = 4;

    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static float* t_b;
    [ThreadStatic, ProcessWideCache("Per-thread scratch that only grows, so steady-state kernels allocate nothing; it holds no setting.")] static long t_bLen;

    /// <summary>Whether C = op(A) B takes this path: few columns and enough of A to be worth it.</summary>
    public static bool Applies(CpuKernelOptions o, int m, int n, int k) =>
        n <= o.SkinnyColumns && (long)m * k >= 1 << 14;

    /// <summary>C[M,N] (+)= op(A)[M,K] B[K,N] for a B of at most <see cref="CpuKernelOptions.SkinnyColumns"/> columns.</summary>
    public static void Run<TB>(CpuKernelOptions o, bool transA, int m, int n, int k, float* a, int lda, TB b, float* c, int ldc, bool accumulate)
        where TB : struct, IPackedB
    {
        int groups = (n + Group - 1) / Group;
        int np = groups * Group;
        // B as [K][np] (zero columns past n), then, for the dot-product form, as [np][K].
        float* buf = Scratch.Grow(ref t_b, ref t_bLen, 2L * k * np);
        b.Pack(0, k, 0, n, np, buf);
        if (transA)
        {
            RunTransposed(o, m, n, k, a, lda, buf, np, c, ldc, accumulate);
            return;
        }
        float* bt = buf + (long)k * np;
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < np; j++) bt[(long)j * k + kk] = buf[(long)kk * np + j];
        bool use512 = o.Use512;
        int rowsPerStep = use512 ? 4 : 2;
        // Chunks of rows large enough that a thread hand-off pays (about 64K multiply-adds each).
        long grain = Math.Max(rowsPerStep, (65536 / Math.Max(1, k * np)) / rowsPerStep * rowsPerStep);
        Par.For(o, (m + rowsPerStep - 1) / rowsPerStep, Math.Max(1, grain / rowsPerStep), (s, e) =>
        {
            int i0 = (int)s * rowsPerStep, i1 = Math.Min(m, (int)e * rowsPerStep);
            float* sums = stackalloc float[4 * Group];
            for (int g = 0; g < groups; g++)
            {
                float* bg = bt + (long)g * Group * k;
                int cols = Math.Min(Group, n - g * Group);
                int i = i0;
                for (; i + rowsPerStep <= i1; i += rowsPerStep)
                {
                    if (use512) Dot4x4x512(a + (long)i * lda, lda, bg, k, sums);
                    else Dot2x4x256(a + (long)i * lda, lda, bg, k, sums);
                    Store(sums, rowsPerStep, cols, c + (long)i * ldc + g * Group, ldc, accumulate);
                }
                for (; i < i1; i++)
                {
                    DotScalar(a + (long)i * lda, bg, k, sums);
                    Store(sums, 1, cols, c + (long)i * ldc + g * Group, ldc, accumulate);
                }
            }
        });
    }

    static void Store(float* sums, int rows, int cols, float* c, int ldc, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float* t = c + (long)r * ldc + j;
                *t = accumulate ? *t + sums[r * Group + j] : sums[r * Group + j];
            }
    }

    /// <summary>sums[r * 4 + j] = A row r · B column j for 4 rows of A and the 4 columns of one group (Vector512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot4x4x512(float* a, int lda, float* b, int k, float* sums)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2L * lda, a3 = a + 3L * lda;
        float* b0 = b, b1 = b + k, b2 = b + 2L * k, b3 = b + 3L * k;
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default,
            s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int kk = 0;
        for (; kk + 16 <= k; kk += 16)
        {
            var v0 = Vector512.Load(b0 + kk); var v1 = Vector512.Load(b1 + kk); var v2 = Vector512.Load(b2 + kk); var v3 = Vector512.Load(b3 + kk);
            var x = Vector512.Load(a0 + kk);
            s00 = Vector512.FusedMultiplyAdd(x, v0, s00); s01 = Vector512.FusedMultiplyAdd(x, v1, s01); s02 = Vector512.FusedMultiplyAdd(x, v2, s02); s03 = Vector512.FusedMultiplyAdd(x, v3, s03);
            x = Vector512.Load(a1 + kk);
            s10 = Vector512.FusedMultiplyAdd(x, v0, s10); s11 = Vector512.FusedMultiplyAdd(x, v1, s11); s12 = Vector512.FusedMultiplyAdd(x, v2, s12); s13 = Vector512.FusedMultiplyAdd(x, v3, s13);
            x = Vector512.Load(a2 + kk);
            s20 = Vector512.FusedMultiplyAdd(x, v0, s20); s21 = Vector512.FusedMultiplyAdd(x, v1, s21); s22 = Vector512.FusedMultiplyAdd(x, v2, s22); s23 = Vector512.FusedMultiplyAdd(x, v3, s23);
            x = Vector512.Load(a3 + kk);
            s30 = Vector512.FusedMultiplyAdd(x, v0, s30); s31 = Vector512.FusedMultiplyAdd(x, v1, s31); s32 = Vector512.FusedMultiplyAdd(x, v2, s32); s33 = Vector512.FusedMultiplyAdd(x, v3, s33);
        }
        sums[0] = Vector512.Sum(s00); sums[1] = Vector512.Sum(s01); sums[2] = Vector512.Sum(s02); sums[3] = Vector512.Sum(s03);
        sums[4] = Vector512.Sum(s10); sums[5] = Vector512.Sum(s11); sums[6] = Vector512.Sum(s12); sums[7] = Vector512.Sum(s13);
        sums[8] = Vector512.Sum(s20); sums[9] = Vector512.Sum(s21); sums[10] = Vector512.Sum(s22); sums[11] = Vector512.Sum(s23);
        sums[12] = Vector512.Sum(s30); sums[13] = Vector512.Sum(s31); sums[14] = Vector512.Sum(s32); sums[15] = Vector512.Sum(s33);
        for (; kk < k; kk++)
            for (int r = 0; r < 4; r++)
            {
                float x = a[r * (long)lda + kk];
                for (int j = 0; j < Group; j++) sums[r * Group + j] += x * b[(long)j * k + kk];
            }
    }

    /// <summary>As <see cref="Dot4x4x512"/> for 2 rows with Vector256 (8 accumulators leave AVX2 registers for the loads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Dot2x4x256(float* a, int lda, float* b, int k, float* sums)
    {
        float* a0 = a, a1 = a + lda;
        float* b0 = b, b1 = b + k, b2 = b + 2L * k, b3 = b + 3L * k;
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        int kk = 0;
        for (; kk + 8 <= k; kk += 8)
        {
            var v0 = Vector256.Load(b0 + kk); var v1 = Vector256.Load(b1 + kk); var v2 = Vector256.Load(b2 + kk); var v3 = Vector256.Load(b3 + kk);
            var x = Vector256.Load(a0 + kk);
            s00 = Vector256.FusedMultiplyAdd(x, v0, s00); s01 = Vector256.FusedMultiplyAdd(x, v1, s01); s02 = Vector256.FusedMultiplyAdd(x, v2, s02); s03 = Vector256.FusedMultiplyAdd(x, v3, s03);
            x = Vector256.Load(a1 + kk);
            s10 = Vector256.FusedMultiplyAdd(x, v0, s10); s11 = Vector256.FusedMultiplyAdd(x, v1, s11); s12 = Vector256.FusedMultiplyAdd(x, v2, s12); s13 = Vector256.FusedMultiplyAdd(x, v3, s13);
        }
        sums[0] = Vector256.Sum(s00); sums[1] = Vector256.Sum(s01); sums[2] = Vector256.Sum(s02); sums[3] = Vector256.Sum(s03);
        sums[4] = Vector256.Sum(s10); sums[5] = Vector256.Sum(s11); sums[6] = Vector256.Sum(s12); sums[7] = Vector256.Sum(s13);
        for (; kk < k; kk++)
            for (int r = 0; r < 2; r++)
            {
                float x = a[r * (long)lda + kk];
                for (int j = 0; j < Group; j++) sums[r * Group + j] += x * b[(long)j * k + kk];
            }
    }

    static void DotScalar(float* a, float* b, int k, float* sums)
    {
        for (int j = 0; j < Group; j++)
        {
            float s = 0;
            float* bj = b + (long)j * k;
            for (int kk = 0; kk < k; kk++) s += a[kk] * bj[kk];
            sums[j] = s;
        }
    }

    /// <summary>
    /// C[M,N] (+)= A^T B with A stored [K, M]: strips of M columns of A, each swept down K once, every row scaled by
    /// the (broadcast) B values of that row and added into registers.
    /// </summary>
    static void RunTransposed(CpuKernelOptions o, int m, int n, int k, float* a, int lda, float* b, int np, float* c, int ldc, bool accumulate)
    {
        bool use512 = o.Use512;
        int strip = use512 ? 64 : 16;
        int strips = (m + strip - 1) / strip;
        long grain = Math.Max(1, 65536 / Math.Max(1, (long)k * np * strip));
        Par.For(o, strips, grain, (s, e) =>
        {
            float* tile = stackalloc float[64 * Group];
            for (long si = s; si < e; si++)
            {
                int i0 = (int)si * strip, width = Math.Min(strip, m - i0);
                for (int g = 0; g * Group < n; g++)
                {
                    int cols = Math.Min(Group, n - g * Group);
                    if (width == strip)
                    {
                        if (use512) Axpy64x4x512(a + i0, lda, b + g * Group, np, k, tile);
                        else Axpy16x4x256(a + i0, lda, b + g * Group, np, k, tile);
                    }
                    else AxpyScalar(a + i0, lda, width, b + g * Group, np, k, tile);
                    // tile[j * 64 + t] is C[i0 + t, g * 4 + j].
                    for (int t = 0; t < width; t++)
                        for (int j = 0; j < cols; j++)
                        {
                            float* d = c + (long)(i0 + t) * ldc + g * Group + j;
                            *d = accumulate ? *d + tile[j * 64 + t] : tile[j * 64 + t];
                        }
                }
            }
        });
    }

    /// <summary>tile[j * 64 + t] = Σ_k A[k, t] B[k, j] for 64 columns of A and 4 of B (Vector512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Axpy64x4x512(float* a, int lda, float* b, int ldb, int k, float* tile)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default,
            s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        for (int kk = 0; kk < k; kk++)
        {
            float* ar = a + (long)kk * lda;
            float* br = b + (long)kk * ldb;
            var x0 = Vector512.Load(ar); var x1 = Vector512.Load(ar + 16); var x2 = Vector512.Load(ar + 32); var x3 = Vector512.Load(ar + 48);
            var v = Vector512.Create(br[0]);
            s00 = Vector512.FusedMultiplyAdd(x0, v, s00); s01 = Vector512.FusedMultiplyAdd(x1, v, s01); s02 = Vector512.FusedMultiplyAdd(x2, v, s02); s03 = Vector512.FusedMultiplyAdd(x3, v, s03);
            v = Vector512.Create(br[1]);
            s10 = Vector512.FusedMultiplyAdd(x0, v, s10); s11 = Vector512.FusedMultiplyAdd(x1, v, s11); s12 = Vector512.FusedMultiplyAdd(x2, v, s12); s13 = Vector512.FusedMultiplyAdd(x3, v, s13);
            v = Vector512.Create(br[2]);
            s20 = Vector512.FusedMultiplyAdd(x0, v, s20); s21 = Vector512.FusedMultiplyAdd(x1, v, s21); s22 = Vector512.FusedMultiplyAdd(x2, v, s22); s23 = Vector512.FusedMultiplyAdd(x3, v, s23);
            v = Vector512.Create(br[3]);
            s30 = Vector512.FusedMultiplyAdd(x0, v, s30); s31 = Vector512.FusedMultiplyAdd(x1, v, s31); s32 = Vector512.FusedMultiplyAdd(x2, v, s32); s33 = Vector512.FusedMultiplyAdd(x3, v, s33);
        }
        s00.Store(tile); s01.Store(tile + 16); s02.Store(tile + 32); s03.Store(tile + 48);
        s10.Store(tile + 64); s11.Store(tile + 80); s12.Store(tile + 96); s13.Store(tile + 112);
        s20.Store(tile + 128); s21.Store(tile + 144); s22.Store(tile + 160); s23.Store(tile + 176);
        s30.Store(tile + 192); s31.Store(tile + 208); s32.Store(tile + 224); s33.Store(tile + 240);
    }

    /// <summary>As <see cref="Axpy64x4x512"/> for 16 columns with Vector256 (8 accumulators leave AVX2 registers for the loads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Axpy16x4x256(float* a, int lda, float* b, int ldb, int k, float* tile)
    {
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
        for (int kk = 0; kk < k; kk++)
        {
            float* ar = a + (long)kk * lda;
            float* br = b + (long)kk * ldb;
            var x0 = Vector256.Load(ar); var x1 = Vector256.Load(ar + 8);
            var v = Vector256.Create(br[0]);
            s00 = Vector256.FusedMultiplyAdd(x0, v, s00); s01 = Vector256.FusedMultiplyAdd(x1, v, s01);
            v = Vector256.Create(br[1]);
            s10 = Vector256.FusedMultiplyAdd(x0, v, s10); s11 = Vector256.FusedMultiplyAdd(x1, v, s11);
            v = Vector256.Create(br[2]);
            s20 = Vector256.FusedMultiplyAdd(x0, v, s20); s21 = Vector256.FusedMultiplyAdd(x1, v, s21);
            v = Vector256.Create(br[3]);
            s30 = Vector256.FusedMultiplyAdd(x0, v, s30); s31 = Vector256.FusedMultiplyAdd(x1, v, s31);
        }
        s00.Store(tile); s01.Store(tile + 8);
        s10.Store(tile + 64); s11.Store(tile + 72);
        s20.Store(tile + 128); s21.Store(tile + 136);
        s30.Store(tile + 192); s31.Store(tile + 200);
    }

    static void AxpyScalar(float* a, int lda, int width, float* b, int ldb, int k, float* tile)
    {
        for (int j = 0; j < Group; j++)
            for (int t = 0; t < width; t++)
            {
                float s = 0;
                for (int kk = 0; kk < k; kk++) s += a[(long)kk * lda + t] * b[(long)kk * ldb + j];
                tile[j * 64 + t] = s;
            }
    }
}
