using System.Globalization;

namespace CoroNetGAN.Engine.Devices;

/// <summary>Which family of ILGPU convolution kernels runs (see kernels/Ilgpu/Conv2d.cs).</summary>
public enum IlgpuConvVariant
{
    /// <summary>Each work-item keeps a tile of outputs in registers and reads global memory; no barriers. For CPU-like devices.</summary>
    Registers,
    /// <summary>Work-groups stage operand tiles in shared memory between barriers; each thread keeps a register tile. For GPUs.</summary>
    Shared,
}

/// <summary>
/// Tile sizes of the ILGPU convolution kernels: a per-device setting of <see cref="IlgpuBackend"/>
/// (<see cref="IlgpuBackend.ConvSettings"/>). <see cref="For"/> picks the defaults by device kind; the environment
/// variable <see cref="Variable"/> or the property overrides them, e.g. to tune for another GPU.
/// </summary>
/// <param name="Variant">The kernel family.</param>
/// <param name="Rows">Tile rows per work-item (thread): output channels (forward), input channels (backward data),
/// output channels (shared backward weight). 1, 2, 4 or 8.</param>
/// <param name="Columns">Tile columns per work-item (thread): consecutive output pixels (forward), input pixels
/// (backward data), weight elements (shared backward weight). 4, 8 or 16.</param>
/// <param name="WeightRows">Register variant, backward weight: output channels per work-item. 1, 2, 4 or 8.</param>
/// <param name="WeightLanes">Register variant, backward weight: pixels summed side by side. 4, 8 or 16.</param>
/// <param name="Block">Register variant, forward and backward data: channels of the reduction per block (the taps
/// loop inside a block, so its input rows stay in cache).</param>
/// <param name="PadColumns">Register variant: when a tile would read past a row's edge, copy the input (or dy)
/// into zero-padded rows first, so the kernels never take their masked path.</param>
/// <param name="GroupX">Shared variant: threads per group along the columns.</param>
/// <param name="GroupY">Shared variant: threads per group along the rows; a multiple of <paramref name="Columns"/>.</param>
/// <param name="SharedK">Shared variant: reduction terms staged per step; GroupX * GroupY must be a multiple of it.</param>
public sealed record IlgpuConvSettings(
    IlgpuConvVariant Variant,
    int Rows,
    int Columns,
    int WeightRows = 4,
    int WeightLanes = 8,
    int Block = 32,
    bool PadColumns = true,
    int GroupX = 16,
    int GroupY = 16,
    int SharedK = 16)
{
    /// <summary>The environment variable <see cref="BackendOptions.FromEnvironment"/> reads: settings in the form <see cref="Parse"/> takes.</summary>
    public const string Variable = "CORONETGAN_ILGPU_CONV";

    /// <summary>
    /// CPU-like OpenCL devices (PoCL): 4 output channels x 16 pixels per work-item in channel blocks of 32, backward
    /// weight 4 channels (x 2 input channels) x 8 lanes, padded rows. Chosen on PoCL 6 with AVX2 among 4x16, 8x8,
    /// 2x16, 8x16 and 4x8 tiles, blocks of 16 to 256 and weight tiles 1x8 to 8x8 (bench/README.md, "OpenCL").
    /// </summary>
    public static IlgpuConvSettings CpuLike { get; } = new(IlgpuConvVariant.Registers, 4, 16, WeightRows: 4, WeightLanes: 8);

    /// <summary>
    /// CUDA and OpenCL GPUs: 16 x 16 threads, 4 x 4 outputs each (64 x 64 blocks), 16 terms staged per step.
    /// A conventional starting point, not tuned: no GPU was at hand when it was chosen.
    /// </summary>
    public static IlgpuConvSettings Gpu { get; } = new(IlgpuConvVariant.Shared, 4, 4, GroupX: 16, GroupY: 16, SharedK: 16);

    /// <summary>ILGPU's CPU accelerator (a correctness tool): small register tiles, so small test shapes fill them.</summary>
    public static IlgpuConvSettings IlgpuCpu { get; } = new(IlgpuConvVariant.Registers, 4, 8, WeightRows: 4, WeightLanes: 4);

    /// <summary>The defaults for a device: <see cref="Gpu"/> for a GPU, <see cref="IlgpuCpu"/> for ILGPU's CPU accelerator, else <see cref="CpuLike"/>.</summary>
    public static IlgpuConvSettings For(bool isGpu, bool isIlgpuCpu) => isGpu ? Gpu : isIlgpuCpu ? IlgpuCpu : CpuLike;

    /// <summary>
    /// <paramref name="defaults"/> changed by <paramref name="text"/> (<see cref="BackendOptions.IlgpuConv"/>, from
    /// <see cref="Variable"/>; null or blank: unchanged). Throws <see cref="ArgumentException"/> naming the variable
    /// when the text is invalid.
    /// </summary>
    public static IlgpuConvSettings Override(IlgpuConvSettings defaults, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return defaults;
        try
        {
            return Parse(text, defaults);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Variable}: {e.Message}", e);
        }
    }

    /// <summary>The most shared memory (floats) the shared variant may use per group: 48 KiB, CUDA's static limit.</summary>
    public const int MaxSharedFloats = 12288;

    /// <summary>Group size of the shared variant.</summary>
    public int GroupSize => GroupX * GroupY;

    /// <summary>Floats of shared memory one group of the shared variant uses.</summary>
    public int SharedFloats => CoroNetGAN.Kernels.Ilgpu.ConvKernels.SharedFloats(GroupX, GroupY, Rows, Columns, SharedK);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that no kernel supports.</summary>
    public IlgpuConvSettings Validate()
    {
        static bool Pow2(int v, int max) => v >= 1 && v <= max && (v & (v - 1)) == 0;
        void Need(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"ILGPU conv settings '{this.Format()}': {what}.");
        }
        Need(Pow2(Rows, 8), "rows must be 1, 2, 4 or 8");
        Need(Pow2(Columns, 16) && Columns >= 4, "columns must be 4, 8 or 16");
        Need(Pow2(WeightRows, 8), "weight rows must be 1, 2, 4 or 8");
        Need(Pow2(WeightLanes, 16) && WeightLanes >= 4, "weight lanes must be 4, 8 or 16");
        Need(Block >= 1, "the channel block must be at least 1");
        if (Variant == IlgpuConvVariant.Shared)
        {
            Need(GroupX >= 1 && GroupY >= 1 && GroupSize <= 1024, "the group must have 1 to 1024 threads");
            Need(GroupY % Columns == 0, "group Y must be a multiple of the tile columns");
            Need(SharedK >= 1 && GroupSize % SharedK == 0, "the group size must be a multiple of k");
            Need(SharedFloats <= MaxSharedFloats, $"{SharedFloats} floats of shared memory per group, at most {MaxSharedFloats}");
        }
        return this;
    }

    /// <summary>Every setting, as <see cref="Parse"/> reads them (e.g. <c>registers tile=4x16 weight=4x8 block=32 pad=1 group=16x16 k=16</c>).</summary>
    public string Format() =>
        $"{(Variant == IlgpuConvVariant.Registers ? "registers" : "shared")} tile={Rows}x{Columns} weight={WeightRows}x{WeightLanes} " +
        $"block={Block} pad={(PadColumns ? 1 : 0)} group={GroupX}x{GroupY} k={SharedK}";

    /// <inheritdoc />
    public override string ToString() => Format();

    /// <summary>
    /// Reads settings from words separated by spaces or commas, each changing <paramref name="defaults"/>:
    /// <c>registers</c> or <c>shared</c> (the variant), <c>tile=RxC</c> (rows x columns per work-item or thread),
    /// <c>weight=RxL</c> (register variant, backward weight: rows x lanes), <c>block=B</c> (register variant: channels per
    /// block of the reduction), <c>pad=0|1</c> (register variant: pad rows instead of masking), <c>group=XxY</c> and <c>k=K</c> (shared
    /// variant). Example: <c>CORONETGAN_ILGPU_CONV="shared tile=4x4 group=16x16 k=16"</c>. Throws
    /// <see cref="ArgumentException"/> on an unknown word or an unsupported combination.
    /// </summary>
    public static IlgpuConvSettings Parse(string text, IlgpuConvSettings defaults)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(defaults);
        var s = defaults;
        foreach (var word in text.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string w = word.ToLowerInvariant();
            int eq = w.IndexOf('=');
            string key = eq < 0 ? w : w[..eq], value = eq < 0 ? "" : w[(eq + 1)..];
            s = key switch
            {
                "registers" when eq < 0 => s with { Variant = IlgpuConvVariant.Registers },
                "shared" when eq < 0 => s with { Variant = IlgpuConvVariant.Shared },
                "tile" => Pair(value, word) is var (r, c) ? s with { Rows = r, Columns = c } : s,
                "weight" => Pair(value, word) is var (r, l) ? s with { WeightRows = r, WeightLanes = l } : s,
                "group" => Pair(value, word) is var (x, y) ? s with { GroupX = x, GroupY = y } : s,
                "k" => s with { SharedK = Int(value, word) },
                "block" => s with { Block = Int(value, word) },
                "pad" when value is "0" or "1" => s with { PadColumns = value == "1" },
                _ => throw new ArgumentException($"ILGPU conv settings '{text}': unknown word '{word}' (expected registers, shared, tile=RxC, weight=RxL, block=B, pad=0|1, group=XxY, k=K)."),
            };
        }
        return s.Validate();

        static (int, int) Pair(string v, string word)
        {
            var parts = v.Split('x');
            if (parts.Length != 2) throw new ArgumentException($"ILGPU conv settings: '{word}' needs two numbers as AxB.");
            return (Int(parts[0], word), Int(parts[1], word));
        }

        static int Int(string v, string word) =>
            int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i
                : throw new ArgumentException($"ILGPU conv settings: '{word}' needs a positive whole number.");
    }
}
