using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// The settings of the CPU kernels, handed to every kernel entry point by the backend that owns them. Immutable:
/// an A/B comparison builds two backends with two option sets (<c>with</c> expressions) instead of flipping
/// switches that every backend in the process would see. Defaults are the paths that measured fastest; the
/// alternatives stay for tests (both GEMM micro-kernels on any machine) and benchmarks.
/// </summary>
public sealed record CpuKernelOptions
{
    /// <summary>The defaults, with all cores.</summary>
    public static CpuKernelOptions Default { get; } = new();

    /// <summary>Threads the kernels use (default: all cores).</summary>
    public int Threads { get; init => field = Math.Max(1, value); } = Environment.ProcessorCount;

    /// <summary>Whether loops go to the dedicated <see cref="WorkerPool"/> rather than Parallel.For.</summary>
    public bool UsePool { get; init; } = true;

    /// <summary>
    /// Whether the GEMM uses its 8x32 Vector512 micro-kernel rather than the 6x16 Vector256 one (default: when
    /// AVX-512 is present; tests run the other one too, emulated in software if need be).
    /// </summary>
    public bool Use512 { get; init; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// With <see cref="Use512"/>, whether a GEMM (or a Winograd conv's GEMMs) whose 8x32 tiles would hold more
    /// padding than 6x16 ones runs the 6x16 kernel (<see cref="Gemm.Wide"/>): 16 Winograd tiles of a 16x16 output fill
    /// half of a 32-column panel. Off, <see cref="Use512"/> alone decides (tests that force a kernel).
    /// </summary>
    public bool PaddingPicksKernel { get; init; } = true;

    /// <summary>
    /// Whether a GEMM task packs its column panels row by row across all of them (<see cref="IPackedB.PackPanels"/>)
    /// rather than panel after panel.
    /// </summary>
    public bool PackAcrossPanels { get; init; } = true;

    /// <summary>
    /// GEMM tasks per thread to aim for when column blocks are few and row blocks are split off to make up the
    /// count; every row block packs the same B panels again, so fewer tasks pack less (2 measured faster than 4).
    /// </summary>
    public int TasksPerWorker { get; init => field = Math.Max(1, value); } = 2;

    /// <summary>Whether a narrow GEMM with a large transposed A runs as C^T = B^T A.</summary>
    public bool SwapNarrow { get; init; } = true;

    /// <summary>
    /// Columns of B up to which a GEMM runs as a single pass over A (<see cref="SkinnyGemm"/>: the U-Net's inner convs
    /// and the transposed convs and input gradients fed by them); 0 turns that path off.
    /// </summary>
    public int SkinnyColumns { get; init => field = Math.Max(0, value); } = 16;

    /// <summary>Whether a stride-1 input gradient may run as a forward conv of dy rather than GEMM + col2im.</summary>
    public bool AdjointAsForward { get; init; } = true;

    /// <summary>Whether convolutions may take the direct loops (<see cref="Cpu.DirectConv"/>).</summary>
    public bool DirectConv { get; init; } = true;

    /// <summary>Whether convs with a few output and many input channels run as channel dot products (<see cref="Cpu.ChannelDotConv"/>).</summary>
    public bool ChannelDotConv { get; init; } = true;

    /// <summary>Whether forward convs with few output pixels and many output channels run transposed (<see cref="Cpu.PixelMajorConv"/>).</summary>
    public bool PixelMajorConv { get; init; } = true;

    /// <summary>Input rows per channel block of the direct forward, in bytes (a quarter of a 512 KiB L2).</summary>
    public long DirectConvBlockBytes { get; init => field = Math.Max(1, value); } = 128 << 10;

    /// <summary>Whether 3x3 stride-1 convolutions may take the Winograd path (<see cref="WinogradConv"/>).</summary>
    public bool Winograd { get; init; } = true;

    /// <summary>Whether 4x4 stride-1 convolutions may take the Winograd F(3x3, 4x4) path (<see cref="Winograd4Conv"/>).</summary>
    public bool Winograd4 { get; init; } = true;

    /// <summary>Whether 13- to 27-column rows with 32+ channels take the Winograd path (<see cref="WinogradConv.Applies"/>).</summary>
    public bool WinogradNarrowRows { get; init; } = true;

    /// <summary>Whether narrow Winograd outputs group the tiles of two tile rows together.</summary>
    public bool WinogradPairRows { get; init; } = true;

    /// <summary>Largest Winograd V or M chunk, in floats (16 MiB each); beyond it the tile panels go in several chunks.</summary>
    public long WinogradChunkFloats { get; init => field = Math.Max(1, value); } = 1L << 22;

    /// <summary>Bytes the process-wide transformed-weight cache may hold for this backend's calls (0 turns it off).</summary>
    public long WinogradCacheBytes { get; init => field = Math.Max(0, value); } = 512L << 20;

    /// <summary>
    /// Bytes each CPU backend may hold in packed copies of training weights that several GEMMs read unchanged
    /// between two optimizer steps (<see cref="PackedWeights.Trust"/>; 0 turns the reuse off).
    /// </summary>
    public long TrainingPackBytes { get; init => field = Math.Max(0, value); } = 64L << 20;

    /// <summary>
    /// Weights frozen for inference on the backend these options belong to, with their packed copies; null: none
    /// (every GEMM packs its weights). The CPU backend gives each instance its own.
    /// </summary>
    public PackedWeights? Prepacked { get; init; }

    /// <summary>When set, the Winograd path adds the time of each of its phases to it (benchmarks).</summary>
    public WinogradPhases? WinogradProfile { get; init; }

    /// <summary>Name of the GEMM micro-kernel these options select, for benchmark reports.</summary>
    public string MicroKernel => Use512 ? "Vector512 8x32" : "Vector256 6x16";
}

/// <summary>Time spent in each phase of the Winograd path (weights, input, GEMMs, output), for benchmarks.</summary>
/// <param name="clock">The clock in ms (default: wall time); a benchmark may pass a CPU-time clock.</param>
public sealed class WinogradPhases(Func<double>? clock = null)
{
    readonly Func<double> _clock = clock ?? (() => System.Diagnostics.Stopwatch.GetTimestamp() * 1000.0 / System.Diagnostics.Stopwatch.Frequency);

    /// <summary>Milliseconds per phase: weights, input transform, GEMMs, output transform.</summary>
    public double[] Ms { get; } = new double[4];

    /// <summary>The clock's reading, in ms.</summary>
    public double Now() => _clock();

    /// <summary>Adds the time since <paramref name="t0"/> to <paramref name="phase"/> and moves t0 to now.</summary>
    public void Lap(int phase, ref double t0)
    {
        double t = _clock();
        Ms[phase] += t - t0;
        t0 = t;
    }

    /// <summary>Zeroes every phase.</summary>
    public void Clear() => Array.Clear(Ms);
}
