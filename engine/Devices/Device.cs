using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN;

/// <summary>
/// Where tensors live and ops run: one backend plus a pool of its buffers. Create one with
/// <see cref="Create"/> (<c>auto</c>, <c>cpu</c>, <c>ilgpu-cpu</c>, <c>opencl</c>, <c>cuda</c>, or an indexed
/// name such as <c>cuda:1</c> from <see cref="Available"/>).
/// </summary>
/// <remarks>
/// A device is used from one thread at a time (tensors and tapes are not thread-safe); the CPU backend itself
/// spreads each op across all cores. Disposing a device frees its pooled buffers and its accelerator.
/// </remarks>
public sealed class Device : IDisposable
{
    static readonly Lazy<BackendOptions> s_environment = new(BackendOptions.FromEnvironment);
    static readonly Lazy<Device> s_cpu = new(() => CreateCpu(s_environment.Value));

    readonly IDisposable? _accelerator;
    readonly BufferPool _pool;

    Device(DeviceInfo info, IBackend backend, IDisposable? accelerator)
    {
        Info = info;
        Backend = backend;
        _accelerator = accelerator;
        _pool = new BufferPool(backend);
    }

    static readonly Lazy<Device> s_meta = new(() => new Device(new DeviceInfo("meta", DeviceKind.Meta, "shapes only, no data", false), new MetaBackend(), null));

    /// <summary>The process-wide CPU device, with the settings of <see cref="BackendOptions.FromEnvironment"/>.</summary>
    public static Device Cpu => s_cpu.Value;

    /// <summary>
    /// The device that holds shapes but no data: models built on it run their forward pass without computing,
    /// which is how MACs are counted. Not listed by <see cref="Available"/>.
    /// </summary>
    public static Device Meta => s_meta.Value;

    /// <summary>What this device is.</summary>
    public DeviceInfo Info { get; }

    /// <summary>Its name, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public string Name => Info.Name;

    /// <summary>Its backend kind.</summary>
    public DeviceKind Kind => Info.Kind;

    /// <summary>The ops implementation.</summary>
    public IBackend Backend { get; }

    /// <summary>Floats held free in the buffer pool.</summary>
    public long PooledFloats => _pool.PooledFloats;

    /// <summary>Lists every device this machine has: <c>cpu</c> always, then ILGPU's devices.</summary>
    public static IReadOnlyList<DeviceInfo> Available()
    {
        var list = new List<DeviceInfo> { Cpu.Info };
        list.AddRange(IlgpuRuntime.Enumerate().Select(d => d.Info));
        return list;
    }

    /// <summary>
    /// Opens a device by name. <c>auto</c> takes the first CUDA GPU, else the first OpenCL GPU, else <c>cpu</c>;
    /// <c>cuda</c> and <c>opencl</c> take the first of their kind. Throws <see cref="ArgumentException"/>
    /// listing the available devices when the name matches none.
    /// </summary>
    /// <param name="name">The device's name.</param>
    /// <param name="options">
    /// The backend's settings. Null: those of the environment (<see cref="BackendOptions.FromEnvironment"/>), and
    /// <c>cpu</c> is the shared <see cref="Cpu"/>; otherwise <c>cpu</c> is a new device of its own (an A/B comparison
    /// opens two with two option sets), which the caller disposes.
    /// </param>
    public static Device Create(string name = "auto", BackendOptions? options = null)
    {
        string spec = name.Trim().ToLowerInvariant();
        if (spec == "cpu") return options is null ? Cpu : CreateCpu(options);
        if (spec == "meta") return Meta;
        var ilgpu = IlgpuRuntime.Enumerate();
        (DeviceInfo Info, ILGPU.Runtime.Device Device)? pick = spec switch
        {
            "auto" => ilgpu.Where(d => d.Info.Kind == DeviceKind.Cuda).Cast<(DeviceInfo, ILGPU.Runtime.Device)?>().FirstOrDefault()
                      ?? ilgpu.Where(d => d.Info.Kind == DeviceKind.OpenCL && d.Info.IsGpu).Cast<(DeviceInfo, ILGPU.Runtime.Device)?>().FirstOrDefault(),
            "cuda" or "opencl" => ilgpu.Where(d => d.Info.Name.StartsWith(spec + ":", StringComparison.Ordinal)).Cast<(DeviceInfo, ILGPU.Runtime.Device)?>().FirstOrDefault(),
            _ => ilgpu.Where(d => d.Info.Name == spec).Cast<(DeviceInfo, ILGPU.Runtime.Device)?>().FirstOrDefault(),
        };
        if (pick is null)
        {
            if (spec == "auto") return options is null ? Cpu : CreateCpu(options);
            string avail = string.Join(", ", Available().Select(d => $"{d.Name} ({d.Description})"));
            string why = IlgpuRuntime.Error is { } e ? $" ILGPU could not start: {e}." : "";
            throw new ArgumentException($"Device '{name}' is not present on this machine. Available: {avail}.{why}");
        }
        var (info, dev) = pick.Value;
        var accelerator = IlgpuRuntime.CreateAccelerator(dev);
        try
        {
            var conv = IlgpuConvSettings.Override(IlgpuBackend.DefaultConvSettings(accelerator), (options ?? s_environment.Value).IlgpuConv);
            return new Device(info, new IlgpuBackend(accelerator, info.Name, conv), accelerator);
        }
        catch
        {
            accelerator.Dispose();
            throw;
        }
    }

    static Device CreateCpu(BackendOptions options) =>
        new(new DeviceInfo("cpu", DeviceKind.Cpu, CpuDescription(options.Cpu), false), new CpuBackend(options.Cpu), null);

    internal DeviceStorage Rent(int length) => _pool.Rent(length);

    long _hostReads;

    /// <summary>
    /// Copies from the device to the host made so far (each waits for the device's queued work: on a GPU, a sync).
    /// Counts every read through tensors; for tests and benchmarks that keep a step's reads few.
    /// </summary>
    public long HostReads => Interlocked.Read(ref _hostReads);

    /// <summary>Copies the first dst.Length elements of <paramref name="src"/> to the host, counted in <see cref="HostReads"/>.</summary>
    internal void Download(DeviceStorage src, Span<float> dst)
    {
        Interlocked.Increment(ref _hostReads);
        Backend.Download(src, dst);
    }

    /// <summary>
    /// This device's counters so far: host reads, waits for the device, pool hits and misses, other allocations.
    /// Subtract an earlier snapshot (<see cref="DeviceCounters.Since"/>) for one step's.
    /// </summary>
    public DeviceCounters Counters => new(HostReads, Backend.Syncs, _pool.Hits, _pool.Misses, Backend.ScratchAllocations);

    internal void Return(DeviceStorage storage) => _pool.Return(storage);

    /// <summary>
    /// Declares these tensors' contents fixed until <see cref="ThawWeights"/>, as an inference model's weights are:
    /// the CPU backend then packs each weight once, on its first use, and reuses the packed copy (as ONNX Runtime
    /// prepacks at load) instead of packing it on every call. Results are bit-identical. Writing to a frozen tensor
    /// (an optimizer step) or disposing it before thawing leaves stale packed copies: thaw first.
    /// </summary>
    /// <param name="weights">Tensors on this device.</param>
    public void FreezeWeights(IEnumerable<Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var t in weights) Backend.FreezeWeights(t.Storage, true);
    }

    /// <summary>Ends <see cref="FreezeWeights"/> for these tensors and frees their packed copies.</summary>
    /// <param name="weights">Tensors on this device, frozen earlier.</param>
    public void ThawWeights(IEnumerable<Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var t in weights) Backend.FreezeWeights(t.Storage, false);
    }

    /// <summary>Frees the buffers held in the pool (tensors still alive keep theirs).</summary>
    public void TrimPool() => _pool.Trim();

    /// <summary>Waits until all queued work on the device has finished.</summary>
    public void Synchronize() => Backend.Synchronize();

    /// <inheritdoc />
    public void Dispose()
    {
        if (ReferenceEquals(this, s_cpu.IsValueCreated ? s_cpu.Value : null) || ReferenceEquals(this, s_meta.IsValueCreated ? s_meta.Value : null)) return;
        _pool.Dispose();
        Backend.Dispose();
        _accelerator?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    static string CpuDescription(Kernels.Cpu.CpuKernelOptions o)
    {
        string simd = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512"
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2" : "scalar";
        return $"managed {simd} kernels on {o.Threads} threads";
    }
}
