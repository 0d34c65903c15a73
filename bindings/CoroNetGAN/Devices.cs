using CoroNetGAN.Engine.Devices;

namespace CoroNetGAN;

/// <summary>
/// Finding and opening compute devices. Thread-safe: listing and opening may be called from any thread; a
/// <see cref="Device"/> itself is then used from one thread at a time.
/// </summary>
public static class Devices
{
    /// <summary>Every device on this machine: <c>cpu</c> first, then ILGPU's (ilgpu-cpu, cuda:N, opencl:N).</summary>
    public static IReadOnlyList<DeviceInfo> List() => Device.Available();

    /// <summary>
    /// Opens a device by name: <c>auto</c> (first CUDA GPU, else first OpenCL GPU, else <c>cpu</c>), <c>cpu</c>,
    /// <c>ilgpu-cpu</c>, <c>cuda</c>, <c>opencl</c>, or an indexed name from <see cref="List"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The device is not present; the message lists the ones that are.</exception>
    public static Device Open(string name = "auto") => Device.Create(name);
}
