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
