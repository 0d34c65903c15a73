using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Bounds on what the image decoder may be asked to do, so that a crafted or huge file is refused by name instead
/// of taking the process down: a pixel count checked from the header before decoding, and a cap on any buffer.
/// </summary>
/// <param name="MaxPixels">Largest width x height accepted (default 4096 x 4096).</param>
/// <param name="AllocationLimitMegabytes">Largest single buffer the decoder may allocate, in MiB.</param>
public sealed record ImageLimits(long MaxPixels = 4096L * 4096, int AllocationLimitMegabytes = 256)
{
    /// <summary>
    /// The largest side length images are resized to for training, evaluation and translation (<c>--size</c>,
    /// <c>--load-size</c>): 4096. Larger sizes overflow 32-bit buffer arithmetic in the image library and need more
    /// memory than a generator's activations could fit in.
    /// </summary>
    public const int MaxImageSize = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when <paramref name="size"/> is not in [1, <see cref="MaxImageSize"/>].</summary>
    public static void CheckSize(int size, string what)
    {
        if (size < 1 || size > MaxImageSize)
            throw new ArgumentException($"{what} {size} is outside [1, {MaxImageSize}], the image sizes this engine supports.");
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="bytes"/>
    /// (an estimate made before allocating) is more than the memory this process may use, naming what needs it and how to
    /// make it smaller.
    /// </summary>
    public static void CheckMemory(long bytes, string what, string remedy)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
            throw new ArgumentException($"{what} needs about {bytes / (1024.0 * 1024 * 1024):F1} GiB but only {available / (1024.0 * 1024 * 1024):F1} GiB is available; {remedy}.");
    }

    /// <summary>The defaults: 16.7 megapixels and 256 MiB buffers.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>
    /// An ImageSharp configuration whose allocator enforces <see cref="AllocationLimitMegabytes"/>. ImageSharp 2.x has
    /// no per-call decoder options, so the limit has to live in the configuration every decode goes through.
    /// </summary>
    internal Configuration CreateConfiguration()
    {
        var cfg = Configuration.Default.Clone();
        cfg.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = AllocationLimitMegabytes });
        return cfg;
    }
}
