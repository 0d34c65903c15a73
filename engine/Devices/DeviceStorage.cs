namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// A float32 buffer owned by one backend. Tensors rent these from their device's pool; kernels read and
/// write them through the backend that made them.
/// </summary>
public abstract class DeviceStorage : IDisposable
{
    /// <summary>Creates storage of <paramref name="length"/> floats belonging to <paramref name="backend"/>.</summary>
    protected DeviceStorage(IBackend backend, int length)
    {
        Backend = backend;
        Length = length;
    }

    /// <summary>The backend whose kernels can use this buffer.</summary>
    public IBackend Backend { get; }

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>Releases the memory for good (the pool calls this when it trims).</summary>
    public abstract void Dispose();
}
