using System.Runtime.InteropServices;

namespace CoroNetGAN.Engine.Devices;

/// <summary>Host memory for the CPU backend: native, 64-byte aligned (one AVX-512 line), so vector loads never split.</summary>
public sealed unsafe class CpuStorage : DeviceStorage
{
    float* _ptr;
    readonly CpuBackend _owner;

    internal CpuStorage(CpuBackend backend, int length) : base(backend, length)
    {
        _owner = backend;
        Stamp = backend.NextStamp();
        _ptr = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
        GC.AddMemoryPressure((long)length * sizeof(float));
    }

    /// <summary>The first element, for reading or writing (the contents get a new <see cref="Stamp"/>).</summary>
    public float* Pointer
    {
        get
        {
            var p = ReadPointer;
            Stamp = _owner.NextStamp();
            return p;
        }
    }

    /// <summary>The buffer as a span, for reading or writing (the contents get a new <see cref="Stamp"/>).</summary>
    public Span<float> Span => new(Pointer, Length);

    /// <summary>The first element, for a kernel that only reads the buffer (the stamp stays).</summary>
    internal float* ReadPointer => _ptr != null ? _ptr : throw new ObjectDisposedException(nameof(CpuStorage));

    /// <summary>
    /// Names the contents: a number the backend never gives twice, renewed by every access that may write
    /// (<see cref="Pointer"/>, <see cref="Span"/>), so equal stamps mean unchanged contents of this buffer.
    /// </summary>
    public long Stamp { get; private set; }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_ptr == null) return;
        NativeMemory.AlignedFree(_ptr);
        _ptr = null;
        GC.RemoveMemoryPressure((long)Length * sizeof(float));
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the memory if a storage is dropped without being disposed.</summary>
    ~CpuStorage() => Dispose();
}
