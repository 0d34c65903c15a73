using System.Reflection;
using System.Runtime.CompilerServices;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime;
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
/// after the backend. Dispose releases the kernels this backend loaded and its small scratch buffers.
/// Not thread-safe, like the accelerator stream it queues on.
/// Every op has one shape: resolve the buffers' views (which also refuses foreign or disposed storage), return
/// when there is no work, launch the kernel through the one cached-launcher helper (<c>Launch</c>). The conv
/// kernels (tile selection, padded copies) are in IlgpuBackend.Conv.cs, the normalisations in IlgpuBackend.Norms.cs.
/// </remarks>
public sealed partial class IlgpuBackend : IBackend
{
    // Partial sums per reduction: enough threads to fill a GPU's launch, few enough that the single-thread
    // second pass stays cheap; every partial covers at least MinChunk terms.
    private const int MaxParts = 4096;
    private const int MinChunk = 256;

    private readonly Accelerator _acc;
    private readonly int _maxLaunch;
    private readonly List<Kernel> _kernels = new();
    // Launchers by kernel: plain kernels keyed by their method, generic conv kernels by a name for their tile shape.
    private readonly Dictionary<object, Delegate> _launchers = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _dummy;
    private MemoryBuffer1D<float, Stride1D.Dense>? _partials;
    private MemoryBuffer1D<float, Stride1D.Dense>? _padded;
    private readonly UploadStaging _staging;
    private long _syncs, _scratchAllocations;
    private bool _disposed;

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
        _staging = new UploadStaging(accelerator);
    }

    /// <summary>
    /// Times the host has waited for this backend's stream: downloads, <see cref="Synchronize"/>, and uploads
    /// that found too much staged data in flight. On a GPU each is a sync that stalls the launch queue.
    /// </summary>
    public long Syncs => _syncs;

    /// <summary>
    /// Buffers allocated outside <see cref="Allocate"/>: scratch for reductions and padded rows, and page-locked
    /// staging for uploads. Constant in a steady state that repeats the same shapes.
    /// </summary>
    public long ScratchAllocations => _scratchAllocations + _staging.Allocations;

    // Every wait on the stream goes through here: it is counted, and staged uploads are then complete.
    private void Waited()
    {
        _syncs++;
        _staging.Recycle();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The accelerator this backend runs on.</summary>
    public Accelerator Accelerator => _acc;

    /// <summary>The kernels this backend has loaded so far (tests check their lifetime).</summary>
    internal IReadOnlyList<Kernel> LoadedKernels => _kernels;

    // ---- plumbing ----------------------------------------------------------------------------------

    // Kernels are compiled and loaded outside the accelerator's kernel cache on purpose: a cached kernel is
    // shared by everyone who loads the same method on that accelerator, ILGPU says it must not be disposed
    // manually, and once disposed the cache keeps handing out the dead instance. Loading our own copy lets
    // Dispose release exactly what this backend created.
    private T Launcher<T>(Delegate kernel) where T : Delegate =>
        _launchers.TryGetValue(kernel.Method, out var d) ? (T)d : Compile<T>(kernel.Method, kernel.Method, explicitlyGrouped: false);

    // A generic kernel closed over type arguments (the conv tiles): its MethodInfo is built only on first use.
    private T Launcher<T>(string key, Func<MethodInfo> method, bool explicitlyGrouped) where T : Delegate =>
        _launchers.TryGetValue(key, out var d) ? (T)d : Compile<T>(key, method(), explicitlyGrouped);

    private T Compile<T>(object key, MethodInfo method, bool explicitlyGrouped) where T : Delegate
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Kernel kernel = explicitlyGrouped
            ? _acc.LoadKernel(_acc.CompileKernel(EntryPointDescription.FromExplicitlyGroupedKernel(method)))
            : _acc.LoadAutoGroupedKernel(_acc.CompileKernel(EntryPointDescription.FromImplicitlyGroupedKernel(method)));
        _kernels.Add(kernel);
        var launcher = kernel.CreateLauncherDelegate<T>();
        _launchers[key] = launcher;
        return launcher;
    }

    // Launches an implicitly grouped kernel over `extent` threads on the default stream; one overload per
    // kernel arity, the argument types inferred from the arguments and checked against the kernel's signature.
    private void Launch<T1, T2, T3, T4>(Action<I, T1, T2, T3, T4> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4) =>
        Launcher<Action<St, I, T1, T2, T3, T4>>(kernel)(S, extent, a1, a2, a3, a4);
    private void Launch<T1, T2, T3, T4, T5>(Action<I, T1, T2, T3, T4, T5> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5>>(kernel)(S, extent, a1, a2, a3, a4, a5);
    private void Launch<T1, T2, T3, T4, T5, T6>(Action<I, T1, T2, T3, T4, T5, T6> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6);
    private void Launch<T1, T2, T3, T4, T5, T6, T7>(Action<I, T1, T2, T3, T4, T5, T6, T7> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
    private void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(Action<I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) =>
        Launcher<Action<St, I, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>>(kernel)(S, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14);

    private St S => _acc.DefaultStream;

    private IlgpuStorage Storage(DeviceStorage s, string method)
    {
        ArgumentNullException.ThrowIfNull(s);
        // Every op resolves its buffers first, so this is also where a disposed backend refuses work.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (s is IlgpuStorage st && ReferenceEquals(st.Backend, this)) return st;
        throw new ArgumentException($"{method}: the storage belongs to backend '{s.Backend.Name}', not to this '{Name}' backend.");
    }

    // The op's name (for the error message) is the calling member's.
    private V View(DeviceStorage s, [CallerMemberName] string method = "") => Storage(s, method).View;

    private V Opt(DeviceStorage? s, [CallerMemberName] string method = "") => s is null ? Dummy : View(s, method);

    // Stands in for an absent optional buffer; kernels never touch it because a flag says it is absent.
    private V Dummy => (_dummy ??= Scratch(1)).View;

    private MemoryBuffer1D<float, Stride1D.Dense> Scratch(long length)
    {
        _scratchAllocations++;
        return _acc.Allocate1D<float>(length);
    }

    // Threads of a grid-stride launch over `work` items; the kernel takes the same number as its stride.
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
        // A copy from the span itself would wait for the stream; staged, it is queued like a kernel, and the host
        // span may still be reused as soon as this returns.
        if (_staging.Full(src.Length)) Synchronize();
        _staging.Upload(src, st.Buffer.View, _acc.DefaultStream);
    }

    /// <inheritdoc />
    public void Download(DeviceStorage src, Span<float> dst)
    {
        var st = Storage(src, nameof(Download));
        if (dst.Length > src.Length)
            throw new ArgumentException($"{nameof(Download)}: asked for {dst.Length} floats from storage of {src.Length}.");
        if (dst.Length == 0)
        {
            Synchronize();
            return;
        }
        // Copying on the default stream orders the copy after every queued kernel and waits for it.
        st.Buffer.View.SubView(0, dst.Length).CopyToCPU(_acc.DefaultStream, dst);
        Waited();
    }

    /// <inheritdoc />
    public void Synchronize()
    {
        _acc.Synchronize();
        Waited();
    }

    // ---- elementwise -------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Fill(DeviceStorage y, int n, float value)
    {
        var vy = View(y);
        if (n > 0) Launch(ElementwiseKernels.Fill, Threads(n), vy, value, n, Threads(n));
    }

    /// <inheritdoc />
    public void Copy(DeviceStorage x, DeviceStorage y, int n)
    {
        var (vx, vy) = (View(x), View(y));
        if (n > 0) Launch(ElementwiseKernels.Copy, Threads(n), vx, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var (va, vb, vy) = (View(a), View(b), View(y));
        if (n > 0) Launch(ElementwiseKernels.Add, Threads(n), va, vb, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n)
    {
        var (va, vb, vy) = (View(a), View(b), View(y));
        if (n > 0) Launch(ElementwiseKernels.Mul, Threads(n), va, vb, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void Scale(DeviceStorage x, float s, DeviceStorage y, int n)
    {
        var (vx, vy) = (View(x), View(y));
        if (n > 0) Launch(ElementwiseKernels.Scale, Threads(n), vx, s, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n)
    {
        var (vx, vs, vy) = (View(x), View(s), View(y));
        if (n > 0) Launch(ElementwiseKernels.ScaleBy, Threads(n), vx, vs, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void ReluForward(DeviceStorage x, DeviceStorage y, int n)
    {
        var (vx, vy) = (View(x), View(y));
        if (n > 0) Launch(ActivationKernels.ReluForward, Threads(n), vx, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n)
    {
        var (vx, vdy, vdx) = (View(x), View(dy), View(dx));
        if (n > 0) Launch(ActivationKernels.ReluBackward, Threads(n), vx, vdy, vdx, n, Threads(n));
    }

    /// <inheritdoc />
    public void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope)
    {
        var (vx, vy) = (View(x), View(y));
        if (n > 0) Launch(ActivationKernels.LeakyReluForward, Threads(n), vx, vy, slope, n, Threads(n));
    }

    /// <inheritdoc />
    public void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope)
    {
        var (vx, vdy, vdx) = (View(x), View(dy), View(dx));
        if (n > 0) Launch(ActivationKernels.LeakyReluBackward, Threads(n), vx, vdy, vdx, slope, n, Threads(n));
    }

    /// <inheritdoc />
    public void TanhForward(DeviceStorage x, DeviceStorage y, int n)
    {
        var (vx, vy) = (View(x), View(y));
        if (n > 0) Launch(ActivationKernels.TanhForward, Threads(n), vx, vy, n, Threads(n));
    }

    /// <inheritdoc />
    public void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n)
    {
        var (vy, vdy, vdx) = (View(y), View(dy), View(dx));
        if (n > 0) Launch(ActivationKernels.TanhBackward, Threads(n), vy, vdy, vdx, n, Threads(n));
    }

    /// <inheritdoc />
    public void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed)
    {
        var (vx, vy, vm) = (View(x), View(y), View(mask));
        // p = 1 drops everything (U < 1 always), so the infinite 1/(1-p) is never used; keep it finite anyway.
        float keep = p < 1f ? 1f / (1f - p) : 0f;
        if (n > 0) Launch(ElementwiseKernels.Dropout, Threads(n), vx, vy, vm, p, keep, seed, n, Threads(n));
    }

    // ---- channel structure -------------------------------------------------------------------------

    /// <inheritdoc />
    public void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane)
    {
        var (vx, vb, vy) = (View(x), View(b), View(y));
        int n = batch * channels * plane;
        if (n > 0) Launch(ChannelKernels.BiasAdd, Threads(n), vx, vb, vy, channels, plane, n, Threads(n));
    }

    /// <inheritdoc />
    public void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane)
    {
        var (vdy, vdb) = (View(dy), View(db));
        if (channels > 0) Launch(ChannelKernels.Sum, channels, vdy, vdb, batch, channels, plane);
    }

    /// <inheritdoc />
    public void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane)
    {
        var (vx, vm, vy) = (View(x), View(m), View(y));
        int n = batch * channels * plane;
        if (n > 0) Launch(ChannelKernels.MaskForward, Threads(n), vx, vm, vy, channels, plane, n, Threads(n));
    }

    /// <inheritdoc />
    public void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm,
        int batch, int channels, int plane)
    {
        var (vx, vm, vdy, vdx, vdm) = (View(x), View(m), View(dy), View(dx), Opt(dm));
        int n = batch * channels * plane;
        if (channels <= 0) return;
        // dx is the forward mask applied to dy.
        if (n > 0) Launch(ChannelKernels.MaskForward, Threads(n), vdy, vm, vdx, channels, plane, n, Threads(n));
        if (dm is not null) Launch(ChannelKernels.MaskGrad, channels, vx, vdy, vdm, batch, channels, plane);
    }

    /// <inheritdoc />
    public void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane)
    {
        var (va, vb, vy) = (View(a), View(b), View(y));
        int n = batch * (ca + cb) * plane;
        if (n > 0) Launch(ChannelKernels.Concat, Threads(n), va, vb, vy, ca * plane, cb * plane, n, Threads(n));
    }

    /// <inheritdoc />
    public void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane)
    {
        var (vdy, vda, vdb) = (View(dy), Opt(da), Opt(db));
        int n = batch * (ca + cb) * plane;
        if (n <= 0 || (da is null && db is null)) return;
        Launch(ChannelKernels.Split, Threads(n), vdy, vda, vdb, ca * plane, cb * plane, da is null ? 0 : 1, db is null ? 0 : 1, n, Threads(n));
    }

    // ---- padding -----------------------------------------------------------------------------------

    /// <inheritdoc />
    public void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad)
    {
        var (vx, vy) = (View(x), View(y));
        CheckPad(nameof(ReflectionPadForward), h, w, pad);
        int n = planes * (h + 2 * pad) * (w + 2 * pad);
        if (n > 0) Launch(PaddingKernels.ReflectionPadForward, Threads(n), vx, vy, h, w, pad, n, Threads(n));
    }

    /// <inheritdoc />
    public void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad)
    {
        var (vdy, vdx) = (View(dy), View(dx));
        CheckPad(nameof(ReflectionPadBackward), h, w, pad);
        int n = planes * h * w;
        if (n > 0) Launch(PaddingKernels.ReflectionPadBackward, Threads(n), vdy, vdx, h, w, pad, n, Threads(n));
    }

    private static void CheckPad(string method, int h, int w, int pad)
    {
        // The gather in the backward pass relies on each source row/column being mirrored at most once per edge.
        if (pad < 0 || (pad > 0 && (pad >= h || pad >= w)))
            throw new ArgumentException($"{method}: reflection pad {pad} needs 0 <= pad < H ({h}) and < W ({w}).");
    }

    // ---- reductions and losses ---------------------------------------------------------------------

    // A mean loss: pass 1 writes one partial per contiguous chunk, pass 2 sums them on one thread. Both are
    // ordered on the default stream, so the shared partials buffer is safe to reuse across calls.
    private void Reduce(V a, V b, V y, int op, int n, string method)
    {
        // A mean of nothing has no value; failing here beats writing NaN into a loss.
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"{method}: needs at least one element.");
        int chunk = Math.Max(MinChunk, (n + MaxParts - 1) / MaxParts);
        int parts = (n + chunk - 1) / chunk;
        V partials = (_partials ??= Scratch(MaxParts)).View;
        Launch(ReductionKernels.Partials, parts, a, b, partials, op, n, chunk);
        Launch(ReductionKernels.Finish, 1, partials, y, parts, (float)n);
    }

    private void LossBackward(V a, V b, V dy, V da, V db, int op, bool writeA, bool writeB, int n)
    {
        if (n <= 0 || (!writeA && !writeB)) return;
        Launch(LossKernels.Backward, Threads(n), a, b, dy, da, db, op, writeA ? 1 : 0, writeB ? 1 : 0, n, Threads(n));
    }

    /// <inheritdoc />
    public void Mean(DeviceStorage x, DeviceStorage y, int n)
    {
        var (vx, vy) = (View(x), View(y));
        Reduce(vx, vx, vy, LossKernels.Mean, n, nameof(Mean));
    }

    /// <inheritdoc />
    public void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n)
    {
        var (vdy, vdx) = (View(dy), View(dx));
        if (n > 0) Launch(ReductionKernels.MeanBackward, Threads(n), vdy, vdx, n, Threads(n));
    }

    /// <inheritdoc />
    public void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) =>
        Reduce(View(a), View(b), View(y), LossKernels.L1, n, nameof(L1Loss));

    /// <inheritdoc />
    public void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) =>
        LossBackward(View(a), View(b), View(dy), Opt(da), Opt(db), LossKernels.L1, da is not null, db is not null, n);

    /// <inheritdoc />
    public void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) =>
        Reduce(View(a), View(b), View(y), LossKernels.Mse, n, nameof(MseLoss));

    /// <inheritdoc />
    public void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) =>
        LossBackward(View(a), View(b), View(dy), Opt(da), Opt(db), LossKernels.Mse, da is not null, db is not null, n);

    /// <inheritdoc />
    public void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n) =>
        Reduce(View(x), View(t), View(y), LossKernels.Bce, n, nameof(BceWithLogitsLoss));

    /// <inheritdoc />
    public void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n) =>
        LossBackward(View(x), View(t), View(dy), Opt(dx), Opt(dt), LossKernels.Bce, dx is not null, dt is not null, n);

    // ---- optimizers --------------------------------------------------------------------------------

    /// <inheritdoc />
    public void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        var (vp, vg, vm, vv) = (View(p), View(g), View(m), View(v));
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        if (n <= 0) return;
        double bc1 = 1.0 - Math.Pow(beta1, step);
        double bc2Sqrt = Math.Sqrt(1.0 - Math.Pow(beta2, step));
        Launch(OptimizerKernels.Adam, Threads(n), vp, vg, vm, vv, (float)(lr / bc1), beta1, beta2, eps, weightDecay, (float)bc2Sqrt, n, Threads(n));
    }

    // ---- hypernetwork pruning ----------------------------------------------------------------------

    /// <inheritdoc />
    public void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape)
    {
        int pairs = shape.Cin * shape.Cout;
        if (pairs <= 0) return;
        Launch(HyperWeightKernels.Forward, Threads(pairs), View(zIn), View(zOut), View(b0), View(w1), View(b1), View(w2), View(b2),
            View(w), shape, Threads(pairs));
    }

    /// <inheritdoc />
    public void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1,
        DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape)
    {
        int pairs = shape.Cin * shape.Cout;
        if (pairs <= 0) return;
        var (vzIn, vzOut, vdb0) = (View(zIn), View(zOut), View(db0));
        Launch(HyperWeightKernels.BackwardPairs, Threads(pairs), vzIn, vzOut, View(b0), View(w1), View(b1), View(w2), View(dw),
            vdb0, View(dw1), View(db1), View(dw2), View(db2), shape, Threads(pairs));
        // The latents' gradients sum db0 * latent over the other side: one thread per latent entry.
        Launch(HyperWeightKernels.LatentInGrad, Threads(shape.Cin), vdb0, vzOut, View(dzIn), shape.Cin, shape.Cout, Threads(shape.Cin));
        Launch(HyperWeightKernels.LatentOutGrad, Threads(shape.Cout), vdb0, vzIn, View(dzOut), shape.Cin, shape.Cout, Threads(shape.Cout));
    }

    /// <inheritdoc />
    public void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt)
    {
        var vz = View(z);
        if (n > 0) Launch(ProximalKernels.SoftThreshold, 1, vz, n, thr, pruneThreshold, minChannels, exempt);
    }

    // ---- lifetime ----------------------------------------------------------------------------------

    /// <summary>Releases the kernels this backend loaded and its scratch buffers; the accelerator stays alive.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Staged uploads may still be queued: let them finish before their host buffers go.
        _acc.Synchronize();
        foreach (var kernel in _kernels) kernel.Dispose();
        _kernels.Clear();
        _launchers.Clear();
        _dummy?.Dispose();
        _partials?.Dispose();
        _padded?.Dispose();
        _staging.Dispose();
        _dummy = null;
        _partials = null;
        _padded = null;
    }
}
