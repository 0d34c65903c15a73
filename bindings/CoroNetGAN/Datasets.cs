using CoroNetGAN.Engine.Data;

namespace CoroNetGAN;

/// <summary>Opening a dataset folder for a training mode. Thread-safe: each call opens its own dataset; a dataset is then
/// read from one thread at a time (the trainers' prefetcher does so).</summary>
public static class Datasets
{
    /// <summary>The largest image side (a dataset's size and load size, a generator's input) the engine supports.</summary>
    public const int MaxImageSize = ImageLimits.MaxImageSize;

    /// <summary>
    /// Opens <paramref name="dir"/> for <paramref name="mode"/>: "pix2pix" reads the aligned layout (train/, test/ with
    /// A|B side by side), "cyclegan" the unaligned one (trainA/, trainB/, testA/, testB/). Every file is decoded once
    /// up front, so a bad one stops here, named by path, unless <paramref name="skipBadImages"/> is set.
    /// </summary>
    /// <param name="dir">Dataset folder.</param>
    /// <param name="mode">"pix2pix" or "cyclegan".</param>
    /// <param name="size">Sample side length in pixels.</param>
    /// <param name="phase">"train" (random crop and flip) or "test".</param>
    /// <param name="skipBadImages">Skip bad files with a warning instead of failing.</param>
    /// <param name="direction">"AtoB" or "BtoA".</param>
    /// <param name="loadSize">Resize before cropping; null for size * 286 / 256.</param>
    /// <param name="warning">Receives each warning (skipped files) as it is raised.</param>
    /// <param name="flip">Random horizontal flips of training images (off: the reference's no_flip).</param>
    /// <exception cref="DatasetFolderException">The folder is missing, empty or not in the layout of the mode.</exception>
    /// <exception cref="BadImageException">A file is bad and <paramref name="skipBadImages"/> is false.</exception>
    /// <returns>The dataset (the engine's folder dataset behind the <see cref="IImageDataset"/> interface).</returns>
    public static IImageDataset Open(string dir, string mode, int size, string phase = "train", bool skipBadImages = false,
        string direction = "AtoB", int? loadSize = null, Action<string>? warning = null, bool flip = true)
    {
        var options = new FolderDatasetOptions
        {
            Phase = phase.ToLowerInvariant() switch
            {
                "train" => DatasetPhase.Train,
                "test" => DatasetPhase.Test,
                _ => throw new ArgumentException($"unknown phase '{phase}': expected train or test.", nameof(phase)),
            },
            Direction = direction.ToUpperInvariant() switch
            {
                "ATOB" => TranslationDirection.AtoB,
                "BTOA" => TranslationDirection.BtoA,
                _ => throw new ArgumentException($"unknown direction '{direction}': expected AtoB or BtoA.", nameof(direction)),
            },
            SkipBadImages = skipBadImages,
            LoadSize = loadSize,
            Flip = flip,
            Warning = warning,
        };
        string full = Path.GetFullPath(dir);
        if (!Directory.Exists(full))
            throw new DatasetFolderException(full, $"Dataset folder {full} does not exist. Expected layout for {mode}: {LayoutOf(mode)}.");
        return mode.ToLowerInvariant() switch
        {
            "pix2pix" => FolderDataset.OpenAligned(full, size, options),
            "cyclegan" => FolderDataset.OpenUnaligned(full, size, options),
            _ => throw new ArgumentException($"unknown mode '{mode}': expected pix2pix or cyclegan.", nameof(mode)),
        };
    }

    /// <summary>
    /// The image files <paramref name="fileOrFolder"/> names, as the datasets read them: the file itself, or the image files
    /// directly in the folder (.png, .jpg, .jpeg, .bmp, .gif, .tga, .tif, .tiff, .webp), in ordinal name order.
    /// Lists without decoding (to count a split's images cheaply).
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a folder.</exception>
    /// <exception cref="ArgumentException">The folder holds no image files.</exception>
    public static IReadOnlyList<string> ListImages(string fileOrFolder) => ImageIO.ListImages(fileOrFolder);

    static string LayoutOf(string mode) => mode.ToLowerInvariant() == "cyclegan" ? UnalignedFolderDataset.Layout : AlignedFolderDataset.Layout;
}
