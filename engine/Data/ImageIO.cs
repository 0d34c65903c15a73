using CoroNetGAN.Engine.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CoroNetGAN.Engine.Data;

/// <summary>Reading image files as CHW float arrays in [-1, 1] and writing such arrays back as PNG.</summary>
public static class ImageIO
{
    /// <summary>Channels of every image the engine reads, trains on and writes (RGB).</summary>
    public const int Channels = 3;

    /// <summary>
    /// Loads <paramref name="path"/> as a 3 x size x size CHW array in [-1, 1]: transparency composited on white, the
    /// whole image resized (bicubic) to size x size.
    /// </summary>
    /// <exception cref="BadImageException">The file is unreadable, not an image, truncated or over <paramref name="limits"/>.</exception>
    public static float[] Load(string path, int size, ImageLimits? limits = null)
    {
        if (size < 1) throw new ArgumentException($"size must be at least 1, got {size}.");
        limits ??= ImageLimits.Default;
        using var image = ImageReader.Decode(path, limits, limits.CreateConfiguration());
        return ImageReader.RegionToChw(image, image.Bounds(), size);
    }

    /// <summary>
    /// The image files <paramref name="fileOrFolder"/> names: the file itself, or the image files directly in the folder
    /// (by extension: .png, .jpg, .jpeg, .bmp, .gif, .tga, .tif, .tiff, .webp), in ordinal name order.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither a file nor a folder.</exception>
    /// <exception cref="ArgumentException">The folder holds no image files.</exception>
    public static IReadOnlyList<string> ListImages(string fileOrFolder)
    {
        ArgumentNullException.ThrowIfNull(fileOrFolder);
        if (File.Exists(fileOrFolder)) return [fileOrFolder];
        if (!Directory.Exists(fileOrFolder))
            throw new FileNotFoundException($"'{fileOrFolder}' is neither an image file nor a folder.", fileOrFolder);
        var files = Directory.EnumerateFiles(fileOrFolder).Where(ImageReader.IsImageName).Order(StringComparer.Ordinal).ToArray();
        return files.Length > 0 ? files
            : throw new ArgumentException($"Folder '{fileOrFolder}' holds no images ({string.Join(", ", ImageReader.Extensions)}).");
    }

    /// <summary>
    /// <paramref name="image"/> resized (bicubic, as torchvision) to <paramref name="size"/> x <paramref name="size"/>
    /// as a 3 x size x size CHW array in [-1, 1] (RGB order, as pix2pix feeds its generators).
    /// </summary>
    public static float[] ToChw(Image<Rgb24> image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (size < 1) throw new ArgumentException($"size must be at least 1, got {size}.");
        return ImageReader.RegionToChw(image, image.Bounds(), size);
    }

    /// <summary>A 3 x height x width CHW array in [-1, 1] as an RGB image; values outside the range are clamped.</summary>
    public static Image<Rgb24> ToImage(ReadOnlySpan<float> chw, int height, int width) => ImageReader.FromChw(chw, height, width);

    /// <summary>Saves a 3 x height x width CHW array in [-1, 1] as an RGB PNG (values outside are clamped).</summary>
    public static void SavePng(ReadOnlySpan<float> chw, int height, int width, string path)
    {
        using var image = ImageReader.FromChw(chw, height, width);
        Save(image, path);
    }

    /// <summary>Saves a [1, 3, H, W] or [3, H, W] tensor in [-1, 1] as an RGB PNG.</summary>
    public static void SavePng(Tensor image, string path)
    {
        var shape = image.Shape;
        bool ok = (shape.Length == 4 && shape[0] == 1 && shape[1] == 3) || (shape.Length == 3 && shape[0] == 3);
        if (!ok) throw new ArgumentException($"expected a [1, 3, H, W] or [3, H, W] tensor, got [{string.Join(", ", shape)}].");
        SavePng(image.ToArray(), shape[^2], shape[^1], path);
    }

    /// <summary>
    /// Saves a grid PNG: one row per entry of <paramref name="rows"/>, each row its CHW images left to right
    /// (typically input | output | target), separated by <paramref name="padding"/> white pixels.
    /// </summary>
    public static void SaveGrid(string path, int height, int width, IReadOnlyList<IReadOnlyList<float[]>> rows, int padding = 2)
    {
        if (rows.Count == 0) throw new ArgumentException("a sample grid needs at least one row.");
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        int cols = rows.Max(r => r.Count);
        if (cols == 0) throw new ArgumentException("a sample grid needs at least one image.");
        int gw = cols * width + (cols + 1) * padding, gh = rows.Count * height + (rows.Count + 1) * padding;
        using var grid = new Image<Rgb24>(gw, gh, new Rgb24(255, 255, 255));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
            {
                using var tile = ImageReader.FromChw(rows[r][c], height, width);
                var at = new Point(padding + c * (width + padding), padding + r * (height + padding));
                grid.Mutate(ctx => ctx.DrawImage(tile, at, 1f));
            }
        Save(grid, path);
    }

    static void Save(Image<Rgb24> image, string path)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Written beside and renamed, so a reader (or a crash) never sees half a PNG.
        Serialization.AtomicFile.Write(full, stream => image.SaveAsPng(stream));
    }
}
