using CoroNetGAN.Engine.Devices;

namespace CoroNetGAN.Engine.Tensors;

/// <summary>
/// A float32 array in NCHW (or any row-major) layout on one <see cref="Device"/>, with an optional gradient.
/// Its buffer comes from the device's pool and goes back there on <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Tensors created by ops while a <see cref="Tape"/> is active belong to that tape and are disposed with it;
/// call <see cref="Tape.Keep"/> on a result that must outlive it. A tensor is not thread-safe.
/// </remarks>
public sealed class Tensor : IDisposable
{
    readonly int[] _shape;
    DeviceStorage? _storage;

    internal Tensor(Device device, int[] shape, DeviceStorage storage)
    {
        Device = device;
        _shape = shape;
        _storage = storage;
        Length = checked(ShapeLength(shape));
    }

    /// <summary>The device that holds the data.</summary>
    public Device Device { get; }

    /// <summary>The dimensions (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    internal int[] Dims => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Size of dimension <paramref name="i"/> (negative counts from the end).</summary>
    public int Dim(int i) => _shape[i < 0 ? _shape.Length + i : i];

    /// <summary>Whether gradients flow to this tensor. Set it on leaves (inputs, parameters).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The accumulated gradient of a leaf after <see cref="Tape.Backward(Tensor)"/>; owned by this tensor.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>An optional name used in error messages (parameters carry their key).</summary>
    public string? Name { get; set; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _storage == null;

    /// <summary>The op that produced this tensor on a recording tape, if any.</summary>
    internal string? ProducedBy { get; set; }

    internal DeviceStorage Storage =>
        _storage ?? throw new ObjectDisposedException(nameof(Tensor), $"{Describe()} was disposed.");

    /// <summary>The buffer, checked for use by <paramref name="op"/> (disposed tensors are named with the op).</summary>
    internal DeviceStorage StorageFor(string op, string role) =>
        _storage ?? throw new ObjectDisposedException(nameof(Tensor), $"{op}: {role} {Describe()} was disposed.");

    /// <summary>Formats a shape as [a,b,c].</summary>
    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>Shape, name and device, for messages.</summary>
    public string Describe() => (Name is null ? "" : $"'{Name}' ") + Format(_shape) + $" on {Device.Name}";

    /// <inheritdoc />
    public override string ToString() => $"Tensor {Describe()}";

    internal static int ShapeLength(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentException($"Tensor shape {Format(shape)} has a non-positive dimension.");
            n *= d;
        }
        if (n > Array.MaxLength) throw new ArgumentException($"Tensor shape {Format(shape)} has {n} elements, more than one buffer holds.");
        return (int)n;
    }

    // ---- creation ----------------------------------------------------------------------------------

    /// <summary>An uninitialised tensor from the device pool, owned by the active tape if there is one.</summary>
    internal static Tensor Empty(Device device, params int[] shape)
    {
        var dims = (int[])shape.Clone();
        var t = new Tensor(device, dims, device.Rent(ShapeLength(dims)));
        Tape.Current?.Own(t);
        return t;
    }

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(Device device, float value, params int[] shape)
    {
        var t = Empty(device, shape);
        device.Backend.Fill(t.Storage, t.Length, value);
        return t;
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Device device, params int[] shape) => Full(device, 0f, shape);

    /// <summary>A tensor holding a copy of <paramref name="data"/>, which must have exactly the shape's element count.</summary>
    public static Tensor FromArray(Device device, ReadOnlySpan<float> data, params int[] shape)
    {
        int n = ShapeLength(shape);
        if (data.Length != n)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Format(shape)} ({n} elements).");
        var t = Empty(device, shape);
        device.Backend.Upload(data, t.Storage);
        return t;
    }

    /// <summary>Normal(mean, std) values from a seeded generator (reproducible on every device).</summary>
    public static Tensor RandomNormal(Device device, int seed, float mean, float std, params int[] shape)
    {
        if (device.Kind == DeviceKind.Meta) return Empty(device, shape);
        var rng = new Random(seed);
        var data = new float[ShapeLength(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            data[i] = mean + std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return FromArray(device, data, shape);
    }

    /// <summary>Uniform [low, high) values from a seeded generator.</summary>
    public static Tensor RandomUniform(Device device, int seed, float low, float high, params int[] shape)
    {
        if (device.Kind == DeviceKind.Meta) return Empty(device, shape);
        var rng = new Random(seed);
        var data = new float[ShapeLength(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * (float)rng.NextDouble();
        return FromArray(device, data, shape);
    }

    // ---- access ------------------------------------------------------------------------------------

    /// <summary>Copies the data to a new host array.</summary>
    public float[] ToArray()
    {
        var data = new float[Length];
        Device.Download(Storage, data);
        return data;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item: {Describe()} has {Length} elements, not one.");
        Span<float> v = stackalloc float[1];
        Device.Download(Storage, v);
        return v[0];
    }

    /// <summary>
    /// Counts in-place writes to tensors (optimizer steps, proximal steps, CopyFrom): anything derived from parameters
    /// and cached (the hypernetwork's generated weights) is stale once it changes.
    /// </summary>
    internal static long WriteVersion => Interlocked.Read(ref s_writeVersion);

    static long s_writeVersion;

    /// <summary>Marks that some tensor was modified in place.</summary>
    internal static void BumpWriteVersion() => Interlocked.Increment(ref s_writeVersion);

    /// <summary>Overwrites the data from the host.</summary>
    public void CopyFrom(ReadOnlySpan<float> data)
    {
        BumpWriteVersion();
        if (data.Length != Length) throw new ArgumentException($"CopyFrom: {data.Length} values for {Describe()} ({Length} elements).");
        Device.Backend.Upload(data, Storage);
    }

    /// <summary>Overwrites the data with another tensor's (same element count and device).</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Length != Length || source.Device != Device)
            throw new ArgumentException($"CopyFrom: cannot copy {source.Describe()} into {Describe()}.");
        BumpWriteVersion();
        Device.Backend.Copy(source.Storage, Storage, Length);
    }

    /// <summary>A new tensor with the same data and another shape of the same element count (a copy; not recorded).</summary>
    public Tensor Clone()
    {
        var t = Empty(Device, _shape);
        Device.Backend.Copy(Storage, t.Storage, Length);
        return t;
    }

    /// <summary>Drops the gradient (its buffer returns to the pool).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>Returns the buffer (and the gradient's) to the device pool. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_storage == null) return;
        Device.Return(_storage);
        _storage = null;
        ZeroGrad();
    }
}
