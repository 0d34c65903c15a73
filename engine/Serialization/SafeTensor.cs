using System.Runtime.InteropServices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>The element types this engine reads and writes in safetensors files.</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE float32 (every weight and activation).</summary>
    F32,
    /// <summary>Signed 64-bit integer (PyTorch's <c>num_batches_tracked</c>).</summary>
    I64,
}

/// <summary>
/// One tensor of a safetensors file, held on the host: element type, shape and the raw little-endian bytes in
/// C order. Immutable once made; safe to share between threads.
/// </summary>
public sealed class SafeTensor
{
    readonly int[] _shape;
    readonly byte[] _data;

    /// <summary>Wraps <paramref name="data"/> (not copied), which must hold exactly the shape's elements.</summary>
    /// <exception cref="ArgumentException">A negative dimension, or a byte count that does not match the shape.</exception>
    public SafeTensor(SafeTensorDType dtype, IReadOnlyList<int> shape, byte[] data)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"SafeTensor: shape {Tensor.Format(shape)} has a negative dimension.");
            count *= d;
        }
        long bytes = count * ElementSize(dtype);
        if (data.LongLength != bytes)
            throw new ArgumentException($"SafeTensor: {dtype} shape {Tensor.Format(shape)} needs {bytes} bytes, got {data.LongLength}.");
        DType = dtype;
        _shape = shape.ToArray();
        _data = data;
        ElementCount = count;
    }

    /// <summary>The element type.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>The dimensions (a copy); empty for a scalar.</summary>
    public int[] Shape => (int[])_shape.Clone();

    internal int[] Dims => _shape;

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The raw little-endian bytes in C order.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(SafeTensorDType dtype) => dtype == SafeTensorDType.I64 ? 8 : 4;

    /// <summary>A float32 tensor holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensor FromFloats(ReadOnlySpan<float> values, params int[] shape) =>
        new(SafeTensorDType.F32, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An int64 tensor holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensor FromInt64s(ReadOnlySpan<long> values, params int[] shape) =>
        new(SafeTensorDType.I64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The values of a float32 tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not F32.</exception>
    public float[] ToFloats()
    {
        if (DType != SafeTensorDType.F32) throw new InvalidOperationException($"SafeTensor: a {DType} tensor read as F32.");
        // .NET runs only on little-endian hosts, so the file's byte order is the memory order.
        return MemoryMarshal.Cast<byte, float>(_data).ToArray();
    }

    /// <summary>The values of an int64 tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not I64.</exception>
    public long[] ToInt64s()
    {
        if (DType != SafeTensorDType.I64) throw new InvalidOperationException($"SafeTensor: a {DType} tensor read as I64.");
        return MemoryMarshal.Cast<byte, long>(_data).ToArray();
    }

    /// <summary>Whether both have the same type, shape and bytes.</summary>
    public bool ContentEquals(SafeTensor other) =>
        DType == other.DType && _shape.AsSpan().SequenceEqual(other._shape) && _data.AsSpan().SequenceEqual(other._data);

    /// <summary>Type and shape, for messages (<c>F32 [8,3,7,7]</c>).</summary>
    public override string ToString() => $"{DType} {Tensor.Format(_shape)}";
}
