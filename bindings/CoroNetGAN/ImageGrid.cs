using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>
/// Grids of images side by side for looking at results: training samples (input | output | target) and test sets.
/// Thread-safe (no shared state); files are written atomically.
/// </summary>
public static class ImageGrid
{
    /// <summary>
    /// Saves a PNG grid: one row per entry of <paramref name="rows"/>, each row its CHW images in [-1, 1] of
    /// 3 x <paramref name="height"/> x <paramref name="width"/> left to right, two white pixels apart.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, no images, or an array of the wrong length.</exception>
    public static void Save(string path, int height, int width, IReadOnlyList<IReadOnlyList<float[]>> rows) =>
        ImageIO.SaveGrid(path, height, width, rows);

    /// <summary>Saves a training sample as one row: input | output | target.</summary>
    public static void Save(string path, TrainSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ImageIO.SaveGrid(path, sample.Size, sample.Size, [[sample.Input, sample.Output, sample.Target]]);
    }
}
