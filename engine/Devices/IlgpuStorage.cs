using ILGPU;
using ILGPU.Runtime;

namespace CoroNetGAN.Engine.Devices;

/// <summary>A float buffer in an ILGPU accelerator's memory, made by an <see cref="IlgpuBackend"/>.</summary>
public sealed class IlgpuStorage : DeviceStorage
{
    internal IlgpuStorage(IlgpuBackend backend, MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
        : base(backend, length)
    {
        Buffer = buffer;
    }

    /// <summary>
    /// The accelerator buffer. It holds at least one element even when <see cref="DeviceStorage.Length"/> is 0,
    /// because a kernel parameter must be a valid view.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    /// <summary>The whole buffer as a kernel argument.</summary>
    public ArrayView<float> View => Buffer.View;

    /// <inheritdoc />
    public override void Dispose() => Buffer.Dispose();
}
