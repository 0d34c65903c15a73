using System.Runtime.CompilerServices;
using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

// Register tiles for the convolution kernels (Conv2d.cs). A row is a fixed number of floats held in named fields
// (never an array: ILGPU would put an array in local memory, and PTX keeps local memory out of registers); a tile
// is a fixed number of rows. Kernels are generic over both, so each (rows x width) pair is its own compiled
// kernel in which every loop over a row or a tile is straight-line code: ILGPU inlines these methods and both
// OpenCL (LLVM) and PTX see plain scalar code they can keep in registers, and LLVM can turn the isomorphic
// operations on a row's fields into vector instructions (SLP). Widths: 4, 8 and 16; heights: 1, 2, 4 and 8.

/// <summary>A fixed number of floats held in registers (one row of a register tile).</summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface IRow<TSelf> where TSelf : struct, IRow<TSelf>
{
    /// <summary>How many floats the row holds (a constant of the type).</summary>
    int Width { get; }

    /// <summary>Sets every element to 0.</summary>
    void Zero();

    /// <summary>Element j = v[idx + j].</summary>
    void Load(ArrayView<float> v, int idx);

    /// <summary>Element j = v[idx + j * step].</summary>
    void LoadStrided(ArrayView<float> v, int idx, int step);

    /// <summary>Element j = v[row + col + j * step] where 0 &lt;= col + j * step &lt; limit, else 0 (no read).</summary>
    void LoadMasked(ArrayView<float> v, int row, int col, int step, int limit);

    /// <summary>Element j += a * b[j].</summary>
    void Fma(float a, TSelf b);

    /// <summary>Element j += a[j] * b[j].</summary>
    void FmaLanes(TSelf a, TSelf b);

    /// <summary>Element j += b[j].</summary>
    void Add(TSelf b);

    /// <summary>The sum of the elements, added pairwise.</summary>
    float Sum();

    /// <summary>v[idx + j * step] = element j + bias, for j &lt; count.</summary>
    void Store(ArrayView<float> v, int idx, int step, int count, float bias);
}

/// <summary>A fixed number of rows held in registers, each with a row offset into the array it reads from.</summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
/// <typeparam name="TRow">The row type.</typeparam>
public interface ITile<TSelf, TRow> where TSelf : struct, ITile<TSelf, TRow> where TRow : struct, IRow<TRow>
{
    /// <summary>How many rows the tile holds (a constant of the type).</summary>
    int Height { get; }

    /// <summary>Sets every element to 0.</summary>
    void Zero();

    /// <summary>
    /// Row i reads at offset min(i, rows - 1) * stride: rows past the last real one re-read it (their results are
    /// never stored), so the loops need no branch for a partial tile.
    /// </summary>
    void SetRows(int rows, int stride);

    /// <summary>Row i += a[idx + offset i] * b (an outer-product step).</summary>
    void Fma(ArrayView<float> a, int idx, TRow b);

    /// <summary>Row i += a[idx + offset i + j] * b[j] for every j (lane-wise products).</summary>
    void FmaLanes(ArrayView<float> a, int idx, TRow b);

    /// <summary>Like <see cref="FmaLanes"/> for the lanes j &lt; count only (the others read nothing).</summary>
    void FmaLanesFirst(ArrayView<float> a, int idx, int count, TRow b);

    /// <summary>Row i += row i of b.</summary>
    void Add(TSelf b);

    /// <summary>
    /// For rows i &lt; rows: v[idx + i * rowStride + j * step] = element (i, j) + bias, for j &lt; count, where bias =
    /// bias[biasIdx + i * biasStride] when hasBias != 0, else 0.
    /// </summary>
    void Store(ArrayView<float> v, int idx, int rowStride, int rows, int step, int count,
        ArrayView<float> bias, int biasIdx, int biasStride, int hasBias);

    /// <summary>For rows i &lt; rows: v[idx + i * rowStride] = the sum of row i.</summary>
    void StoreSums(ArrayView<float> v, int idx, int rowStride, int rows);
}

/// <summary>Four floats.</summary>
public struct Row4 : IRow<Row4>
{
    private float _0, _1, _2, _3;

    /// <inheritdoc />
    public readonly int Width => 4;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero() { _0 = 0f; _1 = 0f; _2 = 0f; _3 = 0f; }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Load(ArrayView<float> v, int idx)
    {
        _0 = v[idx]; _1 = v[idx + 1]; _2 = v[idx + 2]; _3 = v[idx + 3];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadStrided(ArrayView<float> v, int idx, int step)
    {
        _0 = v[idx]; _1 = v[idx + step]; _2 = v[idx + 2 * step]; _3 = v[idx + 3 * step];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadMasked(ArrayView<float> v, int row, int col, int step, int limit)
    {
        _0 = Masked.Get(v, row, col, limit); _1 = Masked.Get(v, row, col + step, limit);
        _2 = Masked.Get(v, row, col + 2 * step, limit); _3 = Masked.Get(v, row, col + 3 * step, limit);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(float a, Row4 b)
    {
        _0 += a * b._0; _1 += a * b._1; _2 += a * b._2; _3 += a * b._3;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(Row4 a, Row4 b)
    {
        _0 += a._0 * b._0; _1 += a._1 * b._1; _2 += a._2 * b._2; _3 += a._3 * b._3;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Row4 b) { _0 += b._0; _1 += b._1; _2 += b._2; _3 += b._3; }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Sum() => (_0 + _1) + (_2 + _3);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int step, int count, float bias)
    {
        if (count > 0) v[idx] = _0 + bias;
        if (count > 1) v[idx + step] = _1 + bias;
        if (count > 2) v[idx + 2 * step] = _2 + bias;
        if (count > 3) v[idx + 3 * step] = _3 + bias;
    }
}

/// <summary>Eight floats.</summary>
public struct Row8 : IRow<Row8>
{
    private float _0, _1, _2, _3, _4, _5, _6, _7;

    /// <inheritdoc />
    public readonly int Width => 8;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero() { _0 = 0f; _1 = 0f; _2 = 0f; _3 = 0f; _4 = 0f; _5 = 0f; _6 = 0f; _7 = 0f; }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Load(ArrayView<float> v, int idx)
    {
        _0 = v[idx]; _1 = v[idx + 1]; _2 = v[idx + 2]; _3 = v[idx + 3];
        _4 = v[idx + 4]; _5 = v[idx + 5]; _6 = v[idx + 6]; _7 = v[idx + 7];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadStrided(ArrayView<float> v, int idx, int step)
    {
        _0 = v[idx]; _1 = v[idx + step]; _2 = v[idx + 2 * step]; _3 = v[idx + 3 * step];
        _4 = v[idx + 4 * step]; _5 = v[idx + 5 * step]; _6 = v[idx + 6 * step]; _7 = v[idx + 7 * step];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadMasked(ArrayView<float> v, int row, int col, int step, int limit)
    {
        _0 = Masked.Get(v, row, col, limit); _1 = Masked.Get(v, row, col + step, limit);
        _2 = Masked.Get(v, row, col + 2 * step, limit); _3 = Masked.Get(v, row, col + 3 * step, limit);
        _4 = Masked.Get(v, row, col + 4 * step, limit); _5 = Masked.Get(v, row, col + 5 * step, limit);
        _6 = Masked.Get(v, row, col + 6 * step, limit); _7 = Masked.Get(v, row, col + 7 * step, limit);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(float a, Row8 b)
    {
        _0 += a * b._0; _1 += a * b._1; _2 += a * b._2; _3 += a * b._3;
        _4 += a * b._4; _5 += a * b._5; _6 += a * b._6; _7 += a * b._7;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(Row8 a, Row8 b)
    {
        _0 += a._0 * b._0; _1 += a._1 * b._1; _2 += a._2 * b._2; _3 += a._3 * b._3;
        _4 += a._4 * b._4; _5 += a._5 * b._5; _6 += a._6 * b._6; _7 += a._7 * b._7;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Row8 b)
    {
        _0 += b._0; _1 += b._1; _2 += b._2; _3 += b._3; _4 += b._4; _5 += b._5; _6 += b._6; _7 += b._7;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Sum() => ((_0 + _1) + (_2 + _3)) + ((_4 + _5) + (_6 + _7));

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int step, int count, float bias)
    {
        if (count > 0) v[idx] = _0 + bias;
        if (count > 1) v[idx + step] = _1 + bias;
        if (count > 2) v[idx + 2 * step] = _2 + bias;
        if (count > 3) v[idx + 3 * step] = _3 + bias;
        if (count > 4) v[idx + 4 * step] = _4 + bias;
        if (count > 5) v[idx + 5 * step] = _5 + bias;
        if (count > 6) v[idx + 6 * step] = _6 + bias;
        if (count > 7) v[idx + 7 * step] = _7 + bias;
    }
}

/// <summary>Sixteen floats.</summary>
public struct Row16 : IRow<Row16>
{
    private float _0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15;

    /// <inheritdoc />
    public readonly int Width => 16;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero()
    {
        _0 = 0f; _1 = 0f; _2 = 0f; _3 = 0f; _4 = 0f; _5 = 0f; _6 = 0f; _7 = 0f;
        _8 = 0f; _9 = 0f; _10 = 0f; _11 = 0f; _12 = 0f; _13 = 0f; _14 = 0f; _15 = 0f;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Load(ArrayView<float> v, int idx)
    {
        _0 = v[idx]; _1 = v[idx + 1]; _2 = v[idx + 2]; _3 = v[idx + 3];
        _4 = v[idx + 4]; _5 = v[idx + 5]; _6 = v[idx + 6]; _7 = v[idx + 7];
        _8 = v[idx + 8]; _9 = v[idx + 9]; _10 = v[idx + 10]; _11 = v[idx + 11];
        _12 = v[idx + 12]; _13 = v[idx + 13]; _14 = v[idx + 14]; _15 = v[idx + 15];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadStrided(ArrayView<float> v, int idx, int step)
    {
        _0 = v[idx]; _1 = v[idx + step]; _2 = v[idx + 2 * step]; _3 = v[idx + 3 * step];
        _4 = v[idx + 4 * step]; _5 = v[idx + 5 * step]; _6 = v[idx + 6 * step]; _7 = v[idx + 7 * step];
        _8 = v[idx + 8 * step]; _9 = v[idx + 9 * step]; _10 = v[idx + 10 * step]; _11 = v[idx + 11 * step];
        _12 = v[idx + 12 * step]; _13 = v[idx + 13 * step]; _14 = v[idx + 14 * step]; _15 = v[idx + 15 * step];
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LoadMasked(ArrayView<float> v, int row, int col, int step, int limit)
    {
        _0 = Masked.Get(v, row, col, limit); _1 = Masked.Get(v, row, col + step, limit);
        _2 = Masked.Get(v, row, col + 2 * step, limit); _3 = Masked.Get(v, row, col + 3 * step, limit);
        _4 = Masked.Get(v, row, col + 4 * step, limit); _5 = Masked.Get(v, row, col + 5 * step, limit);
        _6 = Masked.Get(v, row, col + 6 * step, limit); _7 = Masked.Get(v, row, col + 7 * step, limit);
        _8 = Masked.Get(v, row, col + 8 * step, limit); _9 = Masked.Get(v, row, col + 9 * step, limit);
        _10 = Masked.Get(v, row, col + 10 * step, limit); _11 = Masked.Get(v, row, col + 11 * step, limit);
        _12 = Masked.Get(v, row, col + 12 * step, limit); _13 = Masked.Get(v, row, col + 13 * step, limit);
        _14 = Masked.Get(v, row, col + 14 * step, limit); _15 = Masked.Get(v, row, col + 15 * step, limit);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(float a, Row16 b)
    {
        _0 += a * b._0; _1 += a * b._1; _2 += a * b._2; _3 += a * b._3;
        _4 += a * b._4; _5 += a * b._5; _6 += a * b._6; _7 += a * b._7;
        _8 += a * b._8; _9 += a * b._9; _10 += a * b._10; _11 += a * b._11;
        _12 += a * b._12; _13 += a * b._13; _14 += a * b._14; _15 += a * b._15;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(Row16 a, Row16 b)
    {
        _0 += a._0 * b._0; _1 += a._1 * b._1; _2 += a._2 * b._2; _3 += a._3 * b._3;
        _4 += a._4 * b._4; _5 += a._5 * b._5; _6 += a._6 * b._6; _7 += a._7 * b._7;
        _8 += a._8 * b._8; _9 += a._9 * b._9; _10 += a._10 * b._10; _11 += a._11 * b._11;
        _12 += a._12 * b._12; _13 += a._13 * b._13; _14 += a._14 * b._14; _15 += a._15 * b._15;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Row16 b)
    {
        _0 += b._0; _1 += b._1; _2 += b._2; _3 += b._3; _4 += b._4; _5 += b._5; _6 += b._6; _7 += b._7;
        _8 += b._8; _9 += b._9; _10 += b._10; _11 += b._11; _12 += b._12; _13 += b._13; _14 += b._14; _15 += b._15;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Sum() =>
        (((_0 + _1) + (_2 + _3)) + ((_4 + _5) + (_6 + _7))) + (((_8 + _9) + (_10 + _11)) + ((_12 + _13) + (_14 + _15)));

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int step, int count, float bias)
    {
        if (count > 0) v[idx] = _0 + bias;
        if (count > 1) v[idx + step] = _1 + bias;
        if (count > 2) v[idx + 2 * step] = _2 + bias;
        if (count > 3) v[idx + 3 * step] = _3 + bias;
        if (count > 4) v[idx + 4 * step] = _4 + bias;
        if (count > 5) v[idx + 5 * step] = _5 + bias;
        if (count > 6) v[idx + 6 * step] = _6 + bias;
        if (count > 7) v[idx + 7 * step] = _7 + bias;
        if (count > 8) v[idx + 8 * step] = _8 + bias;
        if (count > 9) v[idx + 9 * step] = _9 + bias;
        if (count > 10) v[idx + 10 * step] = _10 + bias;
        if (count > 11) v[idx + 11 * step] = _11 + bias;
        if (count > 12) v[idx + 12 * step] = _12 + bias;
        if (count > 13) v[idx + 13 * step] = _13 + bias;
        if (count > 14) v[idx + 14 * step] = _14 + bias;
        if (count > 15) v[idx + 15 * step] = _15 + bias;
    }
}

// The tiles' row fields change only through their own methods (ref calls), which the compiler does not count as
// assignments.
#pragma warning disable CS0649

internal static class Masked
{
    /// <summary>v[row + col] when 0 &lt;= col &lt; limit, else 0 without reading.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Get(ArrayView<float> v, int row, int col, int limit) => (uint)col < (uint)limit ? v[row + col] : 0f;

    /// <summary>min(i, rows - 1) * stride: the offset of tile row i (see <see cref="ITile{TSelf, TRow}.SetRows"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Offset(int i, int rows, int stride) => (i < rows ? i : rows - 1) * stride;

    /// <summary>The bias of tile row i, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Bias(ArrayView<float> bias, int idx, int hasBias) => hasBias != 0 ? bias[idx] : 0f;
}

/// <summary>One row.</summary>
public struct Tile1<TRow> : ITile<Tile1<TRow>, TRow> where TRow : struct, IRow<TRow>
{
    private TRow _r0;

    /// <inheritdoc />
    public readonly int Height => 1;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero() => _r0.Zero();

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetRows(int rows, int stride) { }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(ArrayView<float> a, int idx, TRow b) => _r0.Fma(a[idx], b);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(ArrayView<float> a, int idx, TRow b)
    {
        TRow t = default; t.Load(a, idx); _r0.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanesFirst(ArrayView<float> a, int idx, int count, TRow b)
    {
        TRow t = default; t.LoadMasked(a, idx, 0, 1, count); _r0.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Tile1<TRow> b) => _r0.Add(b._r0);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int rowStride, int rows, int step, int count,
        ArrayView<float> bias, int biasIdx, int biasStride, int hasBias)
    {
        if (rows > 0) _r0.Store(v, idx, step, count, Masked.Bias(bias, biasIdx, hasBias));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StoreSums(ArrayView<float> v, int idx, int rowStride, int rows)
    {
        if (rows > 0) v[idx] = _r0.Sum();
    }
}

/// <summary>Two rows.</summary>
public struct Tile2<TRow> : ITile<Tile2<TRow>, TRow> where TRow : struct, IRow<TRow>
{
    private TRow _r0, _r1;
    private int _o1;

    /// <inheritdoc />
    public readonly int Height => 2;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero() { _r0.Zero(); _r1.Zero(); }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetRows(int rows, int stride) => _o1 = Masked.Offset(1, rows, stride);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(ArrayView<float> a, int idx, TRow b)
    {
        _r0.Fma(a[idx], b); _r1.Fma(a[idx + _o1], b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(ArrayView<float> a, int idx, TRow b)
    {
        TRow t = default;
        t.Load(a, idx); _r0.FmaLanes(t, b);
        t.Load(a, idx + _o1); _r1.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanesFirst(ArrayView<float> a, int idx, int count, TRow b)
    {
        TRow t = default;
        t.LoadMasked(a, idx, 0, 1, count); _r0.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o1, 0, 1, count); _r1.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Tile2<TRow> b) { _r0.Add(b._r0); _r1.Add(b._r1); }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int rowStride, int rows, int step, int count,
        ArrayView<float> bias, int biasIdx, int biasStride, int hasBias)
    {
        if (rows > 0) _r0.Store(v, idx, step, count, Masked.Bias(bias, biasIdx, hasBias));
        if (rows > 1) _r1.Store(v, idx + rowStride, step, count, Masked.Bias(bias, biasIdx + biasStride, hasBias));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StoreSums(ArrayView<float> v, int idx, int rowStride, int rows)
    {
        if (rows > 0) v[idx] = _r0.Sum();
        if (rows > 1) v[idx + rowStride] = _r1.Sum();
    }
}

/// <summary>Four rows.</summary>
public struct Tile4<TRow> : ITile<Tile4<TRow>, TRow> where TRow : struct, IRow<TRow>
{
    private TRow _r0, _r1, _r2, _r3;
    private int _o1, _o2, _o3;

    /// <inheritdoc />
    public readonly int Height => 4;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero() { _r0.Zero(); _r1.Zero(); _r2.Zero(); _r3.Zero(); }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetRows(int rows, int stride)
    {
        _o1 = Masked.Offset(1, rows, stride); _o2 = Masked.Offset(2, rows, stride); _o3 = Masked.Offset(3, rows, stride);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(ArrayView<float> a, int idx, TRow b)
    {
        _r0.Fma(a[idx], b); _r1.Fma(a[idx + _o1], b); _r2.Fma(a[idx + _o2], b); _r3.Fma(a[idx + _o3], b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(ArrayView<float> a, int idx, TRow b)
    {
        TRow t = default;
        t.Load(a, idx); _r0.FmaLanes(t, b);
        t.Load(a, idx + _o1); _r1.FmaLanes(t, b);
        t.Load(a, idx + _o2); _r2.FmaLanes(t, b);
        t.Load(a, idx + _o3); _r3.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanesFirst(ArrayView<float> a, int idx, int count, TRow b)
    {
        TRow t = default;
        t.LoadMasked(a, idx, 0, 1, count); _r0.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o1, 0, 1, count); _r1.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o2, 0, 1, count); _r2.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o3, 0, 1, count); _r3.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Tile4<TRow> b) { _r0.Add(b._r0); _r1.Add(b._r1); _r2.Add(b._r2); _r3.Add(b._r3); }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int rowStride, int rows, int step, int count,
        ArrayView<float> bias, int biasIdx, int biasStride, int hasBias)
    {
        if (rows > 0) _r0.Store(v, idx, step, count, Masked.Bias(bias, biasIdx, hasBias));
        if (rows > 1) _r1.Store(v, idx + rowStride, step, count, Masked.Bias(bias, biasIdx + biasStride, hasBias));
        if (rows > 2) _r2.Store(v, idx + 2 * rowStride, step, count, Masked.Bias(bias, biasIdx + 2 * biasStride, hasBias));
        if (rows > 3) _r3.Store(v, idx + 3 * rowStride, step, count, Masked.Bias(bias, biasIdx + 3 * biasStride, hasBias));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StoreSums(ArrayView<float> v, int idx, int rowStride, int rows)
    {
        if (rows > 0) v[idx] = _r0.Sum();
        if (rows > 1) v[idx + rowStride] = _r1.Sum();
        if (rows > 2) v[idx + 2 * rowStride] = _r2.Sum();
        if (rows > 3) v[idx + 3 * rowStride] = _r3.Sum();
    }
}

/// <summary>Eight rows.</summary>
public struct Tile8<TRow> : ITile<Tile8<TRow>, TRow> where TRow : struct, IRow<TRow>
{
    private TRow _r0, _r1, _r2, _r3, _r4, _r5, _r6, _r7;
    private int _o1, _o2, _o3, _o4, _o5, _o6, _o7;

    /// <inheritdoc />
    public readonly int Height => 8;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero()
    {
        _r0.Zero(); _r1.Zero(); _r2.Zero(); _r3.Zero(); _r4.Zero(); _r5.Zero(); _r6.Zero(); _r7.Zero();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetRows(int rows, int stride)
    {
        _o1 = Masked.Offset(1, rows, stride); _o2 = Masked.Offset(2, rows, stride); _o3 = Masked.Offset(3, rows, stride);
        _o4 = Masked.Offset(4, rows, stride); _o5 = Masked.Offset(5, rows, stride); _o6 = Masked.Offset(6, rows, stride);
        _o7 = Masked.Offset(7, rows, stride);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fma(ArrayView<float> a, int idx, TRow b)
    {
        _r0.Fma(a[idx], b); _r1.Fma(a[idx + _o1], b); _r2.Fma(a[idx + _o2], b); _r3.Fma(a[idx + _o3], b);
        _r4.Fma(a[idx + _o4], b); _r5.Fma(a[idx + _o5], b); _r6.Fma(a[idx + _o6], b); _r7.Fma(a[idx + _o7], b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanes(ArrayView<float> a, int idx, TRow b)
    {
        TRow t = default;
        t.Load(a, idx); _r0.FmaLanes(t, b);
        t.Load(a, idx + _o1); _r1.FmaLanes(t, b);
        t.Load(a, idx + _o2); _r2.FmaLanes(t, b);
        t.Load(a, idx + _o3); _r3.FmaLanes(t, b);
        t.Load(a, idx + _o4); _r4.FmaLanes(t, b);
        t.Load(a, idx + _o5); _r5.FmaLanes(t, b);
        t.Load(a, idx + _o6); _r6.FmaLanes(t, b);
        t.Load(a, idx + _o7); _r7.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FmaLanesFirst(ArrayView<float> a, int idx, int count, TRow b)
    {
        TRow t = default;
        t.LoadMasked(a, idx, 0, 1, count); _r0.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o1, 0, 1, count); _r1.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o2, 0, 1, count); _r2.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o3, 0, 1, count); _r3.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o4, 0, 1, count); _r4.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o5, 0, 1, count); _r5.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o6, 0, 1, count); _r6.FmaLanes(t, b);
        t.LoadMasked(a, idx + _o7, 0, 1, count); _r7.FmaLanes(t, b);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Tile8<TRow> b)
    {
        _r0.Add(b._r0); _r1.Add(b._r1); _r2.Add(b._r2); _r3.Add(b._r3);
        _r4.Add(b._r4); _r5.Add(b._r5); _r6.Add(b._r6); _r7.Add(b._r7);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Store(ArrayView<float> v, int idx, int rowStride, int rows, int step, int count,
        ArrayView<float> bias, int biasIdx, int biasStride, int hasBias)
    {
        if (rows > 0) _r0.Store(v, idx, step, count, Masked.Bias(bias, biasIdx, hasBias));
        if (rows > 1) _r1.Store(v, idx + rowStride, step, count, Masked.Bias(bias, biasIdx + biasStride, hasBias));
        if (rows > 2) _r2.Store(v, idx + 2 * rowStride, step, count, Masked.Bias(bias, biasIdx + 2 * biasStride, hasBias));
        if (rows > 3) _r3.Store(v, idx + 3 * rowStride, step, count, Masked.Bias(bias, biasIdx + 3 * biasStride, hasBias));
        if (rows > 4) _r4.Store(v, idx + 4 * rowStride, step, count, Masked.Bias(bias, biasIdx + 4 * biasStride, hasBias));
        if (rows > 5) _r5.Store(v, idx + 5 * rowStride, step, count, Masked.Bias(bias, biasIdx + 5 * biasStride, hasBias));
        if (rows > 6) _r6.Store(v, idx + 6 * rowStride, step, count, Masked.Bias(bias, biasIdx + 6 * biasStride, hasBias));
        if (rows > 7) _r7.Store(v, idx + 7 * rowStride, step, count, Masked.Bias(bias, biasIdx + 7 * biasStride, hasBias));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void StoreSums(ArrayView<float> v, int idx, int rowStride, int rows)
    {
        if (rows > 0) v[idx] = _r0.Sum();
        if (rows > 1) v[idx + rowStride] = _r1.Sum();
        if (rows > 2) v[idx + 2 * rowStride] = _r2.Sum();
        if (rows > 3) v[idx + 3 * rowStride] = _r3.Sum();
        if (rows > 4) v[idx + 4 * rowStride] = _r4.Sum();
        if (rows > 5) v[idx + 5 * rowStride] = _r5.Sum();
        if (rows > 6) v[idx + 6 * rowStride] = _r6.Sum();
        if (rows > 7) v[idx + 7 * rowStride] = _r7.Sum();
    }
}

#pragma warning restore CS0649
