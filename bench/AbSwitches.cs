using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Bench;

/// <summary>
/// Named A/B switches for <c>train-steps ... ab NAME</c> and <c>forward-ab CASE NAME</c>: A is the environment's CPU
/// kernel options, B the same with the alternative the name says. Each runs on its own device (two backends with two
/// option sets), and calls alternate between them, so both halves see the same load, data and weights.
/// </summary>
public static class AbSwitches
{
    static readonly Dictionary<string, Func<CpuKernelOptions, CpuKernelOptions>> Switches = new()
    {
        ["tpw"] = o => o with { TasksPerWorker = 4 },
        ["gemm-narrow"] = o => o with { WinogradNarrowRows = false },
        ["col2im"] = o => o with { AdjointAsForward = false },
        ["parallel-for"] = o => o with { UsePool = false },
        ["one-row-groups"] = o => o with { WinogradPairRows = false },
        ["wino-chunk-128k"] = o => o with { WinogradChunkFloats = 1L << 17 },
        ["no-winograd"] = o => o with { Winograd = false },
        ["no-winograd4"] = o => o with { Winograd4 = false },
        ["no-direct"] = o => o with { DirectConv = false },
        ["no-channel-dot"] = o => o with { ChannelDotConv = false },
        ["no-pixel-major"] = o => o with { PixelMajorConv = false },
        ["no-pixel-major-or-dot"] = o => o with { PixelMajorConv = false, ChannelDotConv = false },
        ["panel-by-panel"] = o => o with { PackAcrossPanels = false },
        ["no-skinny"] = o => o with { SkinnyColumns = 0 },
        ["no-train-packs"] = o => o with { TrainingPackBytes = 0 },
        ["vector256"] = o => o with { Use512 = false },
        ["no-padding-pick"] = o => o with { PaddingPicksKernel = false },
        ["skinny-8"] = o => o with { SkinnyColumns = 8 },
        ["skinny-32"] = o => o with { SkinnyColumns = 32 },
        ["old-paths"] = OldPaths,
    };

    /// <summary>The CPU kernel options of the environment (A of every comparison).</summary>
    public static CpuKernelOptions Base => BackendOptions.FromEnvironment().Cpu;

    /// <summary>The GEMM-only conv paths from before issue 6 (no Winograd, no direct loops, panel-by-panel packing).</summary>
    public static CpuKernelOptions OldPaths(CpuKernelOptions o) => o with { Winograd = false, DirectConv = false, PackAcrossPanels = false };

    /// <summary>
    /// Options for <see cref="Device.Create"/>: null (the environment's, on the shared CPU device) with the CPU paths
    /// of issue 6, else the environment's with <see cref="OldPaths"/>, for a device of its own.
    /// </summary>
    public static BackendOptions? Paths(bool newPaths)
    {
        if (newPaths) return null;
        var env = BackendOptions.FromEnvironment();
        return env with { Cpu = OldPaths(env.Cpu) };
    }

    /// <summary>The B options of the switch called <paramref name="name"/>; an error that lists the known ones otherwise.</summary>
    public static Func<CpuKernelOptions, CpuKernelOptions> Get(string name) => Switches.TryGetValue(name, out var f) ? f
        : throw new ArgumentException($"unknown A/B switch '{name}' (known: {string.Join(", ", Switches.Keys)})");

    /// <summary>Two CPU devices: A with <see cref="Base"/>, B with the switch's options; the caller disposes both.</summary>
    public static (Device A, Device B) Devices(string name)
    {
        var flip = Get(name);
        var a = Base;
        return (Device.Create("cpu", new BackendOptions { Cpu = a }), Device.Create("cpu", new BackendOptions { Cpu = flip(a) }));
    }
}
