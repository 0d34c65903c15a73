using System.Globalization;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// The settings a <see cref="Device"/> hands its backend: the CPU kernels' options and the ILGPU conv settings.
/// Immutable; <see cref="FromEnvironment"/> is the one place the process environment is read for them.
/// </summary>
public sealed record BackendOptions
{
    /// <summary>The environment variable that sets <see cref="CpuKernelOptions.Threads"/> (a positive integer).</summary>
    public const string ThreadsVariable = "CORONETGAN_CPU_THREADS";

    /// <summary>The environment variable that sets <see cref="CpuKernelOptions.WinogradCacheBytes"/>, in MiB (0 turns the cache off).</summary>
    public const string WinogradCacheVariable = "CORONETGAN_WINOGRAD_CACHE_MB";

    /// <summary>Defaults everywhere, whatever the environment says.</summary>
    public static BackendOptions Default { get; } = new();

    /// <summary>The CPU backend's kernel settings.</summary>
    public CpuKernelOptions Cpu { get; init; } = CpuKernelOptions.Default;

    /// <summary>
    /// Changes to an ILGPU backend's default conv settings (<see cref="IlgpuBackend.DefaultConvSettings"/>), in the
    /// form <see cref="IlgpuConvSettings.Parse"/> takes; null or blank keeps the defaults.
    /// </summary>
    public string? IlgpuConv { get; init; }

    /// <summary>
    /// The defaults changed by <see cref="ThreadsVariable"/>, <see cref="WinogradCacheVariable"/> and
    /// <see cref="IlgpuConvSettings.Variable"/> where they are set (values that do not parse are ignored, except the
    /// ILGPU settings, whose errors surface when a device is created).
    /// </summary>
    public static BackendOptions FromEnvironment()
    {
        var cpu = CpuKernelOptions.Default;
        if (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && t > 0)
            cpu = cpu with { Threads = t };
        if (long.TryParse(Environment.GetEnvironmentVariable(WinogradCacheVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out long mb) && mb >= 0)
            cpu = cpu with { WinogradCacheBytes = mb << 20 };
        return new BackendOptions { Cpu = cpu, IlgpuConv = Environment.GetEnvironmentVariable(IlgpuConvSettings.Variable) };
    }
}
