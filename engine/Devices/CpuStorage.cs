using System.Runtime.InteropServices;

namespace CoroNetGAN.Engine.Devices;

/// <summary>Host memory for the CPU backend: native, 64-byte aligned (one AVX-512 line), so vector loads never split.</summary>
public sealed unsafe class CpuStorage : DeviceStorage
{
    float* _ptr;

    internal CpuStorage(IBackend backend, int length) : base(backend, length)
    {
        _ptr = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
        GC.AddMemoryPressure((long)length * sizeof(float));
    }

    /// <summary>The first element.</summary>
    public float* Pointer => _ptr != null ? _ptr : throw new ObjectDisposedException(nameof(CpuStorage));

    /// <summary>The buffer as a span.</summary>
    public Span<float> Span => new(Pointer, Length);

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
