using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using System.Reflection;
using I = ILGPU.Index1D;
using St = ILGPU.Runtime.AcceleratorStream;
using V = ILGPU.ArrayView<float>;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// <see cref="IBackend"/> on an ILGPU accelerator (CUDA, OpenCL or ILGPU's CPU accelerator). Every op is
/// queued on the accelerator's default stream and nothing waits unless asked (<see cref="Synchronize"/>,
/// <see cref="Download"/>). Kernels are compiled on first use and cached for the backend's lifetime.
/// </summary>
/// <remarks>
/// The backend does not own the accelerator or its context: the caller creates them before and disposes them
/// after the backend. Dispose releases the kernels this backend loaded and its two small scratch buffers.
/// Not thread-safe, like the accelerator stream it queues on.
/// </remarks>
public sealed class IlgpuBackend : IBackend
{
    // Partial sums per reduction: enough threads to fill a GPU's launch, few enough that the single-thread
    // second pass stays cheap; every partial covers at least MinChunk terms.
    private const int MaxParts = 4096;
    private const int MinChunk = 256;

    private readonly Accelerator _acc;
    private readonly int _maxLaunch;
    private readonly List<Kernel> _kernels = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _dummy;
    private MemoryBuffer1D<float, Stride1D.Dense>? _partials;
    private MemoryBuffer1D<float, Stride1D.Dense>? _padded;
    private Action<St, I, V, V, int, int, int, int, int>? _padColumns;
    private bool _disposed;

    private Action<St, I, V, float, int, int>? _fill;
    private Action<St, I, V, V, int, int>? _copy, _addInPlace, _relu, _tanh, _meanBackward;
    private Action<St, I, V, V, V, int, int>? _add, _mul, _scaleBy, _reluBack, _tanhBack;
    private Action<St, I, V, float, V, int, int>? _scale;
    private Action<St, I, V, V, V, float, float, uint, int, int>? _dropout;
    private Action<St, I, V, V, float, int, int>? _leaky;
    private Action<St, I, V, V, V, float, int, int>? _leakyBack;
    private Action<St, I, V, V, V, int, int, int, int>? _biasAdd, _maskForward, _concat;
    private Action<St, I, V, V, int, int, int>? _channelSum;
    private Action<St, I, V, V, V, int, int, int>? _maskGrad;
    private Action<St, I, V, V, V, int, int, int, int, int, int>? _split;
    private Action<St, I, V, V, int, int, int, int, int>? _padForward, _padBackward;
    // Conv kernels, one per variant and tile shape (generic kernels closed over tile types), loaded on first use.
    private readonly Dictionary<string, Delegate> _convKernels = new();
    private IlgpuConvSettings _convSettings;
    private Action<St, I, V, V, V, V, V, NormShape, int>? _normStats;
    private Action<St, I, V, V, V, V, V, V, NormShape, int, int, int>? _normApply;
    private Action<St, I, V, V, V, V, V, V, V, V, NormShape, int>? _normBackward;
    private Action<St, I, V, V, V, V, V, V, int, int, int, int>? _instanceParamGrad;
    private Action<St, I, V, V, V, V, V, V, NormShape, int, int>? _evalForward;
    private Action<St, I, V, V, V, V, NormShape, int, int>? _evalBackward;
    private Action<St, I, V, V, V, V, V, V, NormShape>? _evalParamGrad;
    private Action<St, I, V, V, V, int, int, int>? _partialsKernel;
    private Action<St, I, V, V, int, float>? _finish;
    private Action<St, I, V, V, V, V, V, int, int, int, int, int>? _lossBackward;
    private Action<St, I, V, V, V, V, float, float, float, float, float, float, int, int>? _adam;
    private Action<St, I, V, V, V, V, V, V, V, V, HyperShape, int>? _hyperForward;
    private Action<St, I, V, V, V, V, V, V, V, V, V, V, V, V, HyperShape, int>? _hyperPairs;
    private Action<St, I, V, V, V, int, int, int>? _hyperInGrad, _hyperOutGrad;
    private Action<St, I, V, int, float, float, int, int>? _proximal;

    /// <summary>Creates a backend that runs on <paramref name="accelerator"/>, which the caller keeps owning.</summary>
    /// <param name="accelerator">The accelerator to allocate on and launch kernels on.</param>
    /// <param name="name">The backend's <see cref="Name"/>: ilgpu-cpu, opencl or cuda.</param>
    /// <param name="convSettings">The conv kernels' settings; null: <see cref="DefaultConvSettings"/> of the accelerator.</param>
    public IlgpuBackend(Accelerator accelerator, string name, IlgpuConvSettings? convSettings = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _acc = accelerator;
        Name = name;
        // Grid-stride kernels: a couple of threads per hardware thread is enough to saturate a GPU, and on the
        // CPU accelerator it keeps the number of emulated groups (each ending in an OS barrier) small.
        _maxLaunch = Math.Max(1, accelerator.MaxNumThreads) * 2;
        _convSettings = CheckConvSettings(convSettings ?? DefaultConvSettings(accelerator));
    }

    /// <summary>
    /// Tile sizes and variant of the conv kernels. Starts as the constructor's settings; may be changed at any
    /// time (kernels for new tile shapes are compiled on first use). Throws <see cref="ArgumentException"/> for
    /// settings no kernel supports or this device cannot launch (group size, shared memory).
    /// </summary>
    public IlgpuConvSettings ConvSettings
    {
        get => _convSettings;
        set => _convSettings = CheckConvSettings(value);
    }

    /// <summary>The default conv settings for an accelerator: by its type, and for OpenCL by its device type.</summary>
    public static IlgpuConvSettings DefaultConvSettings(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        bool gpu = accelerator.AcceleratorType == AcceleratorType.Cuda
            || (accelerator is CLAccelerator cl && cl.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU));
        return IlgpuConvSettings.For(gpu, accelerator.AcceleratorType == AcceleratorType.CPU);
    }

    private IlgpuConvSettings CheckConvSettings(IlgpuConvSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        s.Validate();
        if (s.Variant == IlgpuConvVariant.Shared)
        {
            if (s.GroupSize > _acc.MaxNumThreadsPerGroup)
                throw new ArgumentException($"ILGPU conv settings '{s}': {s.GroupSize} threads per group, but {_acc.Name} allows {_acc.MaxNumThreadsPerGroup}.");
            // The kernel allocates a size class (ISharedSize), which is what the device must hold.
            long bytes = ((ISharedSize)Activator.CreateInstance(SharedSizeType(s.SharedFloats))!).Floats * (long)sizeof(float);
            if (bytes > _acc.MaxSharedMemoryPerGroup)
                throw new ArgumentException($"ILGPU conv settings '{s}': {bytes} bytes of shared memory per group, but {_acc.Name} allows {_acc.MaxSharedMemoryPerGroup}.");
        }
        return s;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The accelerator this backend runs on.</summary>
    public Accelerator Accelerator => _acc;

    // ---- plumbing ----------------------------------------------------------------------------------

    // Kernels are compiled and loaded outside the accelerator's kernel cache on purpose: a cached kernel is
    // shared by everyone who loads the same method on that accelerator, ILGPU says it must not be disposed
    // manually, and once disposed the cache keeps handing out the dead instance. Loading our own copy lets
    // Dispose release exactly what this backend created.
    private T Load<T>(ref T? slot, Delegate kernelMethod) where T : Delegate
    {
        if (slot is null)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernelMethod.Method);
            var compiled = _acc.CompileKernel(entry);
            var kernel = _acc.LoadAutoGroupedKernel(compiled);
            _kernels.Add(kernel);
            slot = kernel.CreateLauncherDelegate<T>();
        }
        return slot;
    }

    // A generic conv kernel closed over tile types, compiled once per key like Load does.
    private T LoadConv<T>(string key, Func<MethodInfo> method, bool explicitlyGrouped) where T : Delegate
    {
        if (!_convKernels.TryGetValue(key, out var d))
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var mi = method();
            Kernel kernel;
            if (explicitlyGrouped)
                kernel = _acc.LoadKernel(_acc.CompileKernel(EntryPointDescription.FromExplicitlyGroupedKernel(mi)));
            else
                kernel = _acc.LoadAutoGroupedKernel(_acc.CompileKernel(EntryPointDescription.FromImplicitlyGroupedKernel(mi)));
            _kernels.Add(kernel);
            _convKernels[key] = d = kernel.CreateLauncherDelegate<T>();
        }
        return (T)d;
    }

    /// <summary>The kernels this backend has loaded so far (tests check their lifetime).</summary>
    internal IReadOnlyList<Kernel> LoadedKernels => _kernels;

    private St S => _acc.DefaultStream;

    private IlgpuStorage Storage(DeviceStorage s, string method)
    {
        ArgumentNullException.ThrowIfNull(s);
        // Every op resolves its buffers first, so this is also where a disposed backend refuses work.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (s is IlgpuStorage st && ReferenceEquals(st.Backend, this)) return st;
        throw new ArgumentException($"{method}: the storage belongs to backend '{s.Backend.Name}', not to this '{Name}' backend.");
    }

    private V View(DeviceStorage s, string method) => Storage(s, method).View;

    private V Opt(DeviceStorage? s, string method) => s is null ? Dummy : View(s, method);

    // Stands in for an absent optional buffer; kernels never touch it because a flag says it is absent.
    private V Dummy => (_dummy ??= _acc.Allocate1D<float>(1)).View;

    private int Threads(int work) => Math.Min(work, _maxLaunch);

    // ---- memory ------------------------------------------------------------------------------------

    /// <inheritdoc />
    public DeviceStorage Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new IlgpuStorage(this, _acc.Allocate1D<float>(Math.Max(1, length)), length);
    }

    /// <inheritdoc />
    public void Upload(ReadOnlySpan<float> src, DeviceStorage dst)
    {
        var st = Storage(dst, nameof(Upload));
        if (src.Length > dst.Length)
            throw new ArgumentException($"{nameof(Upload)}: {src.Length} floats do not fit in storage of {dst.Length}.");
        if (src.Length == 0) return;
        // The span copy waits for the stream, so the host span may be reused as soon as this returns.
        st.Buffer.View.SubView(0, src.Length).CopyFromCPU(_acc.DefaultStream, src);
    }

    /// <inheritdoc />
    public void Download(DeviceStorage src, Span<float> dst)
    {
        var st = Storage(src, nameof(Download));
        if (dst.Length > src.Length)
            throw new ArgumentException($"{nameof(Download)}: asked for {dst.Length} floats from storage of {src.Length}.");
        if (dst.Length == 0)
        {
            _acc.Synchronize();
            return;
        }
        // Copying on the default stream orders the copy after every queued kernel and waits for it.
        st.Buffer.View.SubView(0, dst.Length).CopyToCPU(_acc.DefaultStream, dst);
    }

    /// <inheritdoc />
    public void Synchronize() => _acc.Synchronize();

    // ---- elementwise -------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Fill(DeviceStorage y, int n, float value)
    {
        var vy = View(y, nameof(Fill));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _fill, ElementwiseKernels.Fill)(S, t, vy, value, n, t);
    }

    /// <inheritdoc />
    public void Copy(DeviceStorage x, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(Copy)); var vy = View(y, nameof(Copy));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _copy, ElementwiseKernels.Copy)(S, t, vx, vy, n, t);
    }

    /// <inheritdoc />
    public void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var va = View(a, nameof(Add)); var vb = View(b, nameof(Add)); var vy = View(y, nameof(Add));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _add, ElementwiseKernels.Add)(S, t, va, vb, vy, n, t);
    }

    /// <inheritdoc />
    public void AddInPlace(DeviceStorage y, DeviceStorage x, int n)
    {
        var vy = View(y, nameof(AddInPlace)); var vx = View(x, nameof(AddInPlace));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _addInPlace, ElementwiseKernels.AddInPlace)(S, t, vy, vx, n, t);
    }

    /// <inheritdoc />
    public void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var va = View(a, nameof(Mul)); var vb = View(b, nameof(Mul)); var vy = View(y, nameof(Mul));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _mul, ElementwiseKernels.Mul)(S, t, va, vb, vy, n, t);
    }

    /// <inheritdoc />
    public void Scale(DeviceStorage x, float s, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(Scale)); var vy = View(y, nameof(Scale));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _scale, ElementwiseKernels.Scale)(S, t, vx, s, vy, n, t);
    }

    /// <inheritdoc />
    public void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(ScaleBy)); var vs = View(s, nameof(ScaleBy)); var vy = View(y, nameof(ScaleBy));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _scaleBy, ElementwiseKernels.ScaleBy)(S, t, vx, vs, vy, n, t);
    }

    /// <inheritdoc />
    public void ReluForward(DeviceStorage x, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(ReluForward)); var vy = View(y, nameof(ReluForward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _relu, ActivationKernels.ReluForward)(S, t, vx, vy, n, t);
    }

    /// <inheritdoc />
    public void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n)
    {
        var vx = View(x, nameof(ReluBackward)); var vdy = View(dy, nameof(ReluBackward)); var vdx = View(dx, nameof(ReluBackward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _reluBack, ActivationKernels.ReluBackward)(S, t, vx, vdy, vdx, n, t);
    }

    /// <inheritdoc />
    public void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope)
    {
        var vx = View(x, nameof(LeakyReluForward)); var vy = View(y, nameof(LeakyReluForward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _leaky, ActivationKernels.LeakyReluForward)(S, t, vx, vy, slope, n, t);
    }

    /// <inheritdoc />
    public void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope)
    {
        var vx = View(x, nameof(LeakyReluBackward)); var vdy = View(dy, nameof(LeakyReluBackward)); var vdx = View(dx, nameof(LeakyReluBackward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _leakyBack, ActivationKernels.LeakyReluBackward)(S, t, vx, vdy, vdx, slope, n, t);
    }

    /// <inheritdoc />
    public void TanhForward(DeviceStorage x, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(TanhForward)); var vy = View(y, nameof(TanhForward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _tanh, ActivationKernels.TanhForward)(S, t, vx, vy, n, t);
    }

    /// <inheritdoc />
    public void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n)
    {
        var vy = View(y, nameof(TanhBackward)); var vdy = View(dy, nameof(TanhBackward)); var vdx = View(dx, nameof(TanhBackward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _tanhBack, ActivationKernels.TanhBackward)(S, t, vy, vdy, vdx, n, t);
    }

    /// <inheritdoc />
    public void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed)
    {
        var vx = View(x, nameof(DropoutForward)); var vy = View(y, nameof(DropoutForward)); var vm = View(mask, nameof(DropoutForward));
        if (n <= 0) return;
        // p = 1 drops everything (U < 1 always), so the infinite 1/(1-p) is never used; keep it finite anyway.
        float keep = p < 1f ? 1f / (1f - p) : 0f;
        int t = Threads(n);
        Load(ref _dropout, ElementwiseKernels.Dropout)(S, t, vx, vy, vm, p, keep, seed, n, t);
    }

    // ---- channel structure -------------------------------------------------------------------------

    /// <inheritdoc />
    public void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane)
    {
        var vx = View(x, nameof(ChannelBiasAdd)); var vb = View(b, nameof(ChannelBiasAdd)); var vy = View(y, nameof(ChannelBiasAdd));
        int n = batch * channels * plane;
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _biasAdd, ChannelKernels.BiasAdd)(S, t, vx, vb, vy, channels, plane, n, t);
    }

    /// <inheritdoc />
    public void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane)
    {
        var vdy = View(dy, nameof(ChannelSum)); var vdb = View(db, nameof(ChannelSum));
        if (channels <= 0) return;
        Load(ref _channelSum, ChannelKernels.Sum)(S, channels, vdy, vdb, batch, channels, plane);
    }

    /// <inheritdoc />
    public void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane)
    {
        var vx = View(x, nameof(ChannelMaskForward)); var vm = View(m, nameof(ChannelMaskForward)); var vy = View(y, nameof(ChannelMaskForward));
        int n = batch * channels * plane;
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _maskForward, ChannelKernels.MaskForward)(S, t, vx, vm, vy, channels, plane, n, t);
    }

    /// <inheritdoc />
    public void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm,
        int batch, int channels, int plane)
    {
        const string method = nameof(ChannelMaskBackward);
        var vx = View(x, method); var vm = View(m, method); var vdy = View(dy, method); var vdx = View(dx, method);
        var vdm = Opt(dm, method);
        int n = batch * channels * plane;
        if (channels <= 0) return;
        if (n > 0)
        {
            int t = Threads(n);
            Load(ref _maskForward, ChannelKernels.MaskForward)(S, t, vdy, vm, vdx, channels, plane, n, t);
        }
        if (dm is not null)
        {
            Load(ref _maskGrad, ChannelKernels.MaskGrad)(S, channels, vx, vdy, vdm, batch, channels, plane);
        }
    }

    /// <inheritdoc />
    public void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane)
    {
        var va = View(a, nameof(ConcatChannels)); var vb = View(b, nameof(ConcatChannels)); var vy = View(y, nameof(ConcatChannels));
        int n = batch * (ca + cb) * plane;
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _concat, ChannelKernels.Concat)(S, t, va, vb, vy, ca * plane, cb * plane, n, t);
    }

    /// <inheritdoc />
    public void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane)
    {
        const string method = nameof(SplitChannels);
        var vdy = View(dy, method); var vda = Opt(da, method); var vdb = Opt(db, method);
        int n = batch * (ca + cb) * plane;
        if (n <= 0 || (da is null && db is null)) return;
        int t = Threads(n);
        Load(ref _split, ChannelKernels.Split)(S, t, vdy, vda, vdb, ca * plane, cb * plane, da is null ? 0 : 1, db is null ? 0 : 1, n, t);
    }

    // ---- padding -----------------------------------------------------------------------------------

    /// <inheritdoc />
    public void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad)
    {
        var vx = View(x, nameof(ReflectionPadForward)); var vy = View(y, nameof(ReflectionPadForward));
        CheckPad(nameof(ReflectionPadForward), h, w, pad);
        int n = planes * (h + 2 * pad) * (w + 2 * pad);
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _padForward, PaddingKernels.ReflectionPadForward)(S, t, vx, vy, h, w, pad, n, t);
    }

    /// <inheritdoc />
    public void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad)
    {
        var vdy = View(dy, nameof(ReflectionPadBackward)); var vdx = View(dx, nameof(ReflectionPadBackward));
        CheckPad(nameof(ReflectionPadBackward), h, w, pad);
        int n = planes * h * w;
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _padBackward, PaddingKernels.ReflectionPadBackward)(S, t, vdy, vdx, h, w, pad, n, t);
    }

    private static void CheckPad(string method, int h, int w, int pad)
    {
        // The gather in the backward pass relies on each source row/column being mirrored at most once per edge.
        if (pad < 0 || (pad > 0 && (pad >= h || pad >= w)))
            throw new ArgumentException($"{method}: reflection pad {pad} needs 0 <= pad < H ({h}) and < W ({w}).");
    }

    // ---- convolution -------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g)
    {
        const string method = nameof(Conv2dForward);
        var vx = View(x, method); var vw = View(w, method); var vb = Opt(b, method); var vy = View(y, method);
        if (g.N * g.O * g.OutH * g.OutW <= 0) return;
        int hasBias = b is null ? 0 : 1;
        var s = _convSettings;
        if (s.Variant == IlgpuConvVariant.Shared)
        {
            SharedConv<ForwardGemm>("forward", vw, vx, vb, vy, g, hasBias, s);
            return;
        }
        int rows = Narrow(s.Rows, g.O, 1), cols = Narrow(s.Columns, g.OutW, 4);
        var (px, pg) = s.PadColumns ? PadInput(vx, g, cols) : (vx, g);
        int items = ConvKernels.ForwardItems(pg, rows, cols);
        int t = Threads(items);
        LoadConv<Action<St, I, V, V, V, V, ConvGeometry, int, int, int, int>>($"forward {rows}x{cols}",
            () => TiledMethod(nameof(ConvKernels.Forward), rows, cols), false)(S, t, px, vw, vb, vy, pg, hasBias, s.Block, items, t);
    }

    /// <inheritdoc />
    public void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g)
    {
        const string method = nameof(Conv2dBackwardData);
        var vdy = View(dy, method); var vw = View(w, method); var vdx = View(dx, method);
        if (g.N * g.C * g.H * g.W <= 0) return;
        var s = _convSettings;
        if (g.O * g.OutH * g.OutW <= 0)
        {
            Fill(dx, g.N * g.C * g.H * g.W, 0f);
            return;
        }
        if (s.Variant == IlgpuConvVariant.Shared)
        {
            SharedConv<BackwardDataGemm>("backward-data", vw, vdy, Dummy, vdx, g, 0, s);
            return;
        }
        int rows = Narrow(s.Rows, g.C, 1), cols = Narrow(s.Columns, (g.W + g.StrideW - 1) / g.StrideW, 4);
        var (pdy, pg) = s.PadColumns ? PadOutputGradient(vdy, g, cols) : (vdy, g);
        int items = ConvKernels.BackwardDataItems(pg, rows, cols);
        int t = Threads(items);
        LoadConv<Action<St, I, V, V, V, ConvGeometry, int, int, int>>($"backward-data {rows}x{cols}",
            () => TiledMethod(nameof(ConvKernels.BackwardData), rows, cols), false)(S, t, pdy, vw, vdx, pg, s.Block, items, t);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g)
    {
        const string method = nameof(Conv2dBackwardWeight);
        var vx = View(x, method); var vdy = View(dy, method); var vdw = View(dw, method);
        int items = g.O * g.C * g.KH * g.KW;
        if (items <= 0) return;
        var s = _convSettings;
        if (s.Variant == IlgpuConvVariant.Shared)
        {
            SharedConv<BackwardWeightGemm>("backward-weight", vdy, vx, Dummy, vdw, g, 0, s);
            return;
        }
        int rows = Narrow(s.WeightRows, g.O, 1), lanes = Narrow(s.WeightLanes, g.OutW, 4);
        // Padded so that every output column's taps land inside a row (x is read only there).
        var (px, pg) = s.PadColumns ? PadInput(vx, g, 1) : (vx, g);
        items = ConvKernels.BackwardWeightItems(pg, rows);
        int t = Threads(items);
        LoadConv<Action<St, I, V, V, V, ConvGeometry, int, int>>($"backward-weight {rows}x{lanes}",
            () => TiledMethod(nameof(ConvKernels.BackwardWeight), rows, lanes), false)(S, t, px, vdy, vdw, pg, items, t);
    }

    // Zero-padded copies for the register-tiled kernels. Only columns are padded: a work-item skips the taps of
    // rows outside the input as a whole, but its tile's columns may straddle a row's edge, which costs a masked
    // read per element. The copy goes to one scratch buffer (ops are ordered on the stream, so it is reused).

    // x with PadW zeros on the left and enough on the right for every column a tile of `cols` output pixels reads;
    // the geometry becomes that of the same conv on the padded rows with no column padding.
    private (V, ConvGeometry) PadInput(V x, in ConvGeometry g, int cols)
    {
        int tiles = (g.OutW + cols - 1) / cols;
        int last = (tiles * cols - 1) * g.StrideW - g.PadW + g.KW - 1;   // rightmost column read, in x's coordinates
        int left = g.PadW, right = Math.Max(0, last + 1 - g.W);
        if (left == 0 && right == 0) return (x, g);
        int wp = g.W + left + right;
        return (PadColumns(x, g.N * g.C * g.H, g.W, left, wp), g with { W = wp, PadW = 0 });
    }

    // dy padded so that every dy column the backward-data tiles read (ow0 + j, see ConvKernels.BackwardData) exists;
    // left pad columns shift those columns, which the geometry expresses as PadW + left * StrideW.
    private (V, ConvGeometry) PadOutputGradient(V dy, in ConvGeometry g, int cols)
    {
        int s = g.StrideW;
        int tiles = ((g.W + s - 1) / s + cols - 1) / cols;
        int first = FloorDiv(g.PadW - (g.KW - 1), s);                        // phase 0, kw = KW - 1, q = 0
        int last = FloorDiv(s - 1 + g.PadW, s) + tiles * cols - 1;           // phase s - 1, kw = 0, last q
        int left = Math.Max(0, -first), right = Math.Max(0, last + 1 - g.OutW);
        if (left == 0 && right == 0) return (dy, g);
        int wp = g.OutW + left + right;
        return (PadColumns(dy, g.N * g.O * g.OutH, g.OutW, left, wp), g with { OutW = wp, PadW = g.PadW + left * s });
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private V PadColumns(V src, int rows, int w, int left, int wp)
    {
        int n = rows * wp;
        if (_padded is null || _padded.Length < n)
        {
            _padded?.Dispose();
            _padded = _acc.Allocate1D<float>(n);
        }
        var dst = _padded.View;
        int t = Threads(n);
        Load(ref _padColumns, ConvKernels.PadColumns)(S, t, src, dst, w, left, wp, n, t);
        return dst;
    }

    // A tile dimension halved while the data fills at most half of it (e.g. 3 output channels take a 4-row tile,
    // a 4-pixel-wide image a 4-wide row), down to the smallest tile the kernels have.
    private static int Narrow(int size, int extent, int smallest)
    {
        while (size > smallest && extent <= size / 2) size /= 2;
        return size;
    }

    private static Type RowType(int width) => width switch
    {
        4 => typeof(Row4),
        8 => typeof(Row8),
        16 => typeof(Row16),
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "no register row of that width"),
    };

    private static Type TileType(int height, Type row) => (height switch
    {
        1 => typeof(Tile1<>),
        2 => typeof(Tile2<>),
        4 => typeof(Tile4<>),
        8 => typeof(Tile8<>),
        _ => throw new ArgumentOutOfRangeException(nameof(height), height, "no register tile of that height"),
    }).MakeGenericType(row);

    /// <summary>A register-tiled conv kernel of <see cref="ConvKernels"/> closed over a rows x columns tile.</summary>
    internal static MethodInfo TiledMethod(string name, int rows, int columns)
    {
        var row = RowType(columns);
        return typeof(ConvKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(TileType(rows, row), row);
    }

    /// <summary>
    /// The shared-memory conv kernel closed over a rows x columns thread tile, a pass and the barrier the target needs
    /// (<see cref="IGroupBarrier"/>: OpenCL's own for OpenCL, ILGPU's for PTX and the CPU accelerator).
    /// </summary>
    internal static MethodInfo SharedMethod(Type problem, int rows, int columns, bool openCl, int sharedFloats)
    {
        var row = RowType(columns);
        return typeof(ConvKernels).GetMethod(nameof(ConvKernels.Shared), BindingFlags.Public | BindingFlags.Static)!
            .MakeGenericMethod(TileType(rows, row), row, problem, openCl ? typeof(OpenClLocalBarrier) : typeof(GroupBarrier),
                SharedSizeType(sharedFloats));
    }

    // The smallest static shared allocation that holds the floats (see ISharedSize).
    private static Type SharedSizeType(int floats) => floats switch
    {
        <= 1024 => typeof(SharedFloats1K),
        <= 2048 => typeof(SharedFloats2K),
        <= 4096 => typeof(SharedFloats4K),
        <= 8192 => typeof(SharedFloats8K),
        <= IlgpuConvSettings.MaxSharedFloats => typeof(SharedFloats12K),
        _ => throw new ArgumentOutOfRangeException(nameof(floats), floats, $"at most {IlgpuConvSettings.MaxSharedFloats} floats of shared memory"),
    };

    private void SharedConv<TProblem>(string pass, V a, V b, V bias, V y, in ConvGeometry g, int hasBias, IlgpuConvSettings s)
        where TProblem : struct, IConvGemm<TProblem>
    {
        var (gx, gy) = ConvKernels.SharedGrid<TProblem>(g, s.GroupX, s.GroupY, s.Rows, s.Columns);
        if (gx <= 0 || gy <= 0) return;
        var config = new KernelConfig(new Index2D(gx, gy), new Index2D(s.GroupX, s.GroupY));
        var size = SharedSizeType(s.SharedFloats);
        LoadConv<Action<St, KernelConfig, V, V, V, V, ConvGeometry, int, int>>($"shared {pass} {s.Rows}x{s.Columns} {size.Name}",
            () => SharedMethod(typeof(TProblem), s.Rows, s.Columns, _acc.AcceleratorType == AcceleratorType.OpenCL, s.SharedFloats), true)(S, config, a, b, bias, y, g, hasBias, s.SharedK);
    }

    // ---- normalisation -----------------------------------------------------------------------------

    private static int AffineFlags(DeviceStorage? gamma, DeviceStorage? beta) =>
        (gamma is null ? 0 : KernelFlags.Gamma) | (beta is null ? 0 : KernelFlags.Beta);

    private static int GradFlags(DeviceStorage? gamma, DeviceStorage? dgamma, DeviceStorage? dbeta) =>
        (gamma is null ? 0 : KernelFlags.Gamma) | (dgamma is null ? 0 : KernelFlags.DGamma) | (dbeta is null ? 0 : KernelFlags.DBeta);

    private void NormStats(V x, V mean, V rstd, V runningMean, V runningVar, NormShape sh)
    {
        int t = Threads(sh.Groups);
        Load(ref _normStats, NormKernels.Stats)(S, t, x, mean, rstd, runningMean, runningVar, sh, t);
    }

    private void NormApply(V x, V gamma, V beta, V mean, V rstd, V y, NormShape sh, bool perImage, int n)
    {
        int t = Threads(n);
        Load(ref _normApply, NormKernels.Apply)(S, t, x, gamma, beta, mean, rstd, y, sh, perImage ? 1 : 0, n, t);
    }

    private void NormBackward(V x, V gamma, V mean, V rstd, V dy, V dx, V dgamma, V dbeta, NormShape sh)
    {
        int t = Threads(sh.Groups);
        Load(ref _normBackward, NormKernels.Backward)(S, t, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, sh, t);
    }

    /// <inheritdoc />
    public void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps)
    {
        const string method = nameof(InstanceNormForward);
        var vx = View(x, method); var vg = Opt(gamma, method); var vb = Opt(beta, method); var vy = View(y, method);
        var vm = View(mean, method); var vr = View(rstd, method);
        if (batch * channels <= 0 || plane <= 0) return;
        var sh = NormShape.Instance(batch, channels, plane, eps, AffineFlags(gamma, beta));
        NormStats(vx, vm, vr, Dummy, Dummy, sh);
        NormApply(vx, vg, vb, vm, vr, vy, sh, perImage: true, batch * channels * plane);
    }

    /// <inheritdoc />
    public void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane)
    {
        const string method = nameof(InstanceNormBackward);
        var vx = View(x, method); var vg = Opt(gamma, method); var vm = View(mean, method); var vr = View(rstd, method);
        var vdy = View(dy, method); var vdx = View(dx, method); var vdg = Opt(dgamma, method); var vdb = Opt(dbeta, method);
        if (channels <= 0) return;
        if (batch > 0 && plane > 0)
        {
            // dgamma/dbeta sum over the batch, which per-plane threads cannot do without atomics: separate kernel.
            var sh = NormShape.Instance(batch, channels, plane, 0f, gamma is null ? 0 : KernelFlags.Gamma);
            NormBackward(vx, vg, vm, vr, vdy, vdx, Dummy, Dummy, sh);
        }
        int flags = GradFlags(null, dgamma, dbeta);
        if (flags != 0)
        {
            Load(ref _instanceParamGrad, NormKernels.InstanceParamGrad)(S, channels, vx, vm, vr, vdy, vdg, vdb, batch, channels, plane, flags);
        }
    }

    /// <inheritdoc />
    public void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar,
        int batch, int channels, int plane, float eps, float momentum)
    {
        const string method = nameof(BatchNormForwardTrain);
        var vx = View(x, method); var vg = Opt(gamma, method); var vb = Opt(beta, method); var vy = View(y, method);
        var vm = View(mean, method); var vr = View(rstd, method);
        var vrm = Opt(runningMean, method); var vrv = Opt(runningVar, method);
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException($"{method}: runningMean and runningVar must be both present or both null.");
        if (channels <= 0 || batch * plane <= 0) return;
        int flags = AffineFlags(gamma, beta) | (runningMean is null ? 0 : KernelFlags.Running);
        var sh = NormShape.Batch(batch, channels, plane, eps, momentum, flags);
        NormStats(vx, vm, vr, vrm, vrv, sh);
        NormApply(vx, vg, vb, vm, vr, vy, sh, perImage: false, batch * channels * plane);
    }

    /// <inheritdoc />
    public void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane)
    {
        const string method = nameof(BatchNormBackwardTrain);
        var vx = View(x, method); var vg = Opt(gamma, method); var vm = View(mean, method); var vr = View(rstd, method);
        var vdy = View(dy, method); var vdx = View(dx, method); var vdg = Opt(dgamma, method); var vdb = Opt(dbeta, method);
        if (channels <= 0 || batch * plane <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, 0f, 0f, GradFlags(gamma, dgamma, dbeta));
        NormBackward(vx, vg, vm, vr, vdy, vdx, vdg, vdb, sh);
    }

    /// <inheritdoc />
    public void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean,
        DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps)
    {
        const string method = nameof(BatchNormForwardEval);
        var vx = View(x, method); var vg = Opt(gamma, method); var vb = Opt(beta, method);
        var vrm = View(runningMean, method); var vrv = View(runningVar, method); var vy = View(y, method);
        int n = batch * channels * plane;
        if (n <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, eps, 0f, AffineFlags(gamma, beta));
        int t = Threads(n);
        Load(ref _evalForward, NormKernels.EvalForward)(S, t, vx, vg, vb, vrm, vrv, vy, sh, n, t);
    }

    /// <inheritdoc />
    public void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps)
    {
        const string method = nameof(BatchNormBackwardEval);
        var vx = View(x, method); var vg = Opt(gamma, method); var vrm = View(runningMean, method); var vrv = View(runningVar, method);
        var vdy = View(dy, method); var vdx = View(dx, method); var vdg = Opt(dgamma, method); var vdb = Opt(dbeta, method);
        if (channels <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, eps, 0f, GradFlags(gamma, dgamma, dbeta));
        int n = batch * channels * plane;
        if (n > 0)
        {
            int t = Threads(n);
            Load(ref _evalBackward, NormKernels.EvalBackward)(S, t, vg, vrv, vdy, vdx, sh, n, t);
        }
        if (dgamma is not null || dbeta is not null)
        {
            Load(ref _evalParamGrad, NormKernels.EvalParamGrad)(S, channels, vx, vrm, vrv, vdy, vdg, vdb, sh);
        }
    }

    // ---- reductions and losses ---------------------------------------------------------------------

    private void Reduce(V a, V b, V y, int op, int n)
    {
        // Pass 1 writes one partial per contiguous chunk; pass 2 sums them on one thread. Both are ordered on
        // the default stream, so the shared partials buffer is safe to reuse across calls.
        int chunk = Math.Max(MinChunk, (n + MaxParts - 1) / MaxParts);
        int parts = (n + chunk - 1) / chunk;
        var partials = (_partials ??= _acc.Allocate1D<float>(MaxParts)).View;
        Load(ref _partialsKernel, ReductionKernels.Partials)(S, parts, a, b, partials, op, n, chunk);
        Load(ref _finish, ReductionKernels.Finish)(S, 1, partials, y, parts, n);
    }

    private void LossBackward(V a, V b, V dy, V da, V db, int op, bool writeA, bool writeB, int n)
    {
        if (n <= 0 || (!writeA && !writeB)) return;
        int t = Threads(n);
        Load(ref _lossBackward, LossKernels.Backward)(S, t, a, b, dy, da, db, op, writeA ? 1 : 0, writeB ? 1 : 0, n, t);
    }

    private void CheckCount(string method, int n)
    {
        // A mean of nothing has no value; failing here beats writing NaN into a loss.
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"{method}: needs at least one element.");
    }

    /// <inheritdoc />
    public void Mean(DeviceStorage x, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(Mean)); var vy = View(y, nameof(Mean));
        CheckCount(nameof(Mean), n);
        Reduce(vx, vx, vy, LossKernels.Mean, n);
    }

    /// <inheritdoc />
    public void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n)
    {
        var vdy = View(dy, nameof(MeanBackward)); var vdx = View(dx, nameof(MeanBackward));
        if (n <= 0) return;
        int t = Threads(n);
        Load(ref _meanBackward, ReductionKernels.MeanBackward)(S, t, vdy, vdx, n, t);
    }

    /// <inheritdoc />
    public void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var va = View(a, nameof(L1Loss)); var vb = View(b, nameof(L1Loss)); var vy = View(y, nameof(L1Loss));
        CheckCount(nameof(L1Loss), n);
        Reduce(va, vb, vy, LossKernels.L1, n);
    }

    /// <inheritdoc />
    public void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n)
    {
        const string method = nameof(L1LossBackward);
        LossBackward(View(a, method), View(b, method), View(dy, method), Opt(da, method), Opt(db, method),
            LossKernels.L1, da is not null, db is not null, n);
    }

    /// <inheritdoc />
    public void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var va = View(a, nameof(MseLoss)); var vb = View(b, nameof(MseLoss)); var vy = View(y, nameof(MseLoss));
        CheckCount(nameof(MseLoss), n);
        Reduce(va, vb, vy, LossKernels.Mse, n);
    }

    /// <inheritdoc />
    public void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n)
    {
        const string method = nameof(MseLossBackward);
        LossBackward(View(a, method), View(b, method), View(dy, method), Opt(da, method), Opt(db, method),
            LossKernels.Mse, da is not null, db is not null, n);
    }

    /// <inheritdoc />
    public void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n)
    {
        var vx = View(x, nameof(BceWithLogitsLoss)); var vt = View(t, nameof(BceWithLogitsLoss)); var vy = View(y, nameof(BceWithLogitsLoss));
        CheckCount(nameof(BceWithLogitsLoss), n);
        Reduce(vx, vt, vy, LossKernels.Bce, n);
    }

    /// <inheritdoc />
    public void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n)
    {
        const string method = nameof(BceWithLogitsLossBackward);
        LossBackward(View(x, method), View(t, method), View(dy, method), Opt(dx, method), Opt(dt, method),
            LossKernels.Bce, dx is not null, dt is not null, n);
    }

    // ---- optimizers --------------------------------------------------------------------------------

    /// <inheritdoc />
    public void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        const string method = nameof(AdamStep);
        var vp = View(p, method); var vg = View(g, method); var vm = View(m, method); var vv = View(v, method);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (n <= 0) return;
        double bc1 = 1.0 - Math.Pow(beta1, step);
        double bc2Sqrt = Math.Sqrt(1.0 - Math.Pow(beta2, step));
        int t = Threads(n);
        Load(ref _adam, OptimizerKernels.Adam)(S, t, vp, vg, vm, vv, (float)(lr / bc1), beta1, beta2, eps, weightDecay, (float)bc2Sqrt, n, t);
    }

    // ---- hypernetwork pruning ----------------------------------------------------------------------

    /// <inheritdoc />
    public void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape)
    {
        const string method = nameof(HyperWeightForward);
        int pairs = shape.Cin * shape.Cout;
        if (pairs <= 0) return;
        int t = Threads(pairs);
        Load(ref _hyperForward, HyperWeightKernels.Forward)(S, t, View(zIn, method), View(zOut, method), View(b0, method),
            View(w1, method), View(b1, method), View(w2, method), View(b2, method), View(w, method), shape, t);
    }

    /// <inheritdoc />
    public void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1,
        DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape)
    {
        const string method = nameof(HyperWeightBackward);
        int pairs = shape.Cin * shape.Cout;
        if (pairs <= 0) return;
        int t = Threads(pairs);
        var vzIn = View(zIn, method); var vzOut = View(zOut, method); var vdb0 = View(db0, method);
        Load(ref _hyperPairs, HyperWeightKernels.BackwardPairs)(S, t, vzIn, vzOut, View(b0, method), View(w1, method), View(b1, method),
            View(w2, method), View(dw, method), vdb0, View(dw1, method), View(db1, method), View(dw2, method), View(db2, method), shape, t);
        int ti = Threads(shape.Cin), to = Threads(shape.Cout);
        Load(ref _hyperInGrad, HyperWeightKernels.LatentInGrad)(S, ti, vdb0, vzOut, View(dzIn, method), shape.Cin, shape.Cout, ti);
        Load(ref _hyperOutGrad, HyperWeightKernels.LatentOutGrad)(S, to, vdb0, vzIn, View(dzOut, method), shape.Cin, shape.Cout, to);
    }

    /// <inheritdoc />
    public void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt)
    {
        var vz = View(z, nameof(ProximalStep));
        if (n <= 0) return;
        Load(ref _proximal, ProximalKernels.SoftThreshold)(S, 1, vz, n, thr, pruneThreshold, minChannels, exempt);
    }

    // ---- lifetime ----------------------------------------------------------------------------------

    /// <summary>Releases the kernels this backend loaded and its scratch buffers; the accelerator stays alive.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var kernel in _kernels) kernel.Dispose();
        _kernels.Clear();
        _convKernels.Clear();
        _dummy?.Dispose();
        _partials?.Dispose();
        _padded?.Dispose();
        _dummy = null;
        _partials = null;
        _padded = null;
    }
}
