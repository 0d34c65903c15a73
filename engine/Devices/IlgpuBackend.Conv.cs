using System.Reflection;
using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using I = ILGPU.Index1D;
using St = ILGPU.Runtime.AcceleratorStream;
using V = ILGPU.ArrayView<float>;

namespace CoroNetGAN.Engine.Devices;

// Convolution: the conv settings, which kernel variant and tile shape runs, and the padded copies the
// register-tiled kernels read. Kernels closed over tile types are cached by a name for their shape.
public sealed partial class IlgpuBackend
{
    private IlgpuConvSettings _convSettings;

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
    public void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g)
    {
        var (vx, vw, vb, vy) = (View(x), View(w), Opt(b), View(y));
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
        Launcher<Action<St, I, V, V, V, V, ConvGeometry, int, int, int, int>>($"forward {rows}x{cols}",
            () => TiledMethod(nameof(ConvKernels.Forward), rows, cols), false)(S, t, px, vw, vb, vy, pg, hasBias, s.Block, items, t);
    }

    /// <inheritdoc />
    public void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g)
    {
        var (vdy, vw, vdx) = (View(dy), View(w), View(dx));
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
        Launcher<Action<St, I, V, V, V, ConvGeometry, int, int, int>>($"backward-data {rows}x{cols}",
            () => TiledMethod(nameof(ConvKernels.BackwardData), rows, cols), false)(S, t, pdy, vw, vdx, pg, s.Block, items, t);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g)
    {
        var (vx, vdy, vdw) = (View(x), View(dy), View(dw));
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
        Launcher<Action<St, I, V, V, V, ConvGeometry, int, int>>($"backward-weight {rows}x{lanes}",
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
            _padded = Scratch(n);
        }
        V dst = _padded.View;
        int t = Threads(n);
        Launch(ConvKernels.PadColumns, t, src, dst, w, left, wp, n, t);
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
        Launcher<Action<St, KernelConfig, V, V, V, V, ConvGeometry, int, int>>($"shared {pass} {s.Rows}x{s.Columns} {size.Name}",
            () => SharedMethod(typeof(TProblem), s.Rows, s.Columns, _acc.AcceleratorType == AcceleratorType.OpenCL, s.SharedFloats), true)(S, config, a, b, bias, y, g, hasBias, s.SharedK);
    }
}
