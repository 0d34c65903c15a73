using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Tests;

/// <summary>Small dataset folders written with ImageSharp in a temporary directory, removed on dispose.</summary>
public sealed class DataTestFolders : IDisposable
{
    public DataTestFolders()
    {
        Root = Path.Combine(Path.GetTempPath(), "cng-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Dir(string rel)
    {
        string d = Path.Combine(Root, rel);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>
    /// A textured PNG (no symmetry, so crops and flips are visible) with values kept in [40, 215]: bicubic overshoot
    /// then never clamps, and resizing commutes with inversion up to rounding.
    /// </summary>
    public static byte Texture(int x, int y, int c, int salt) => (byte)(40 + (x * 7 + y * 13 + c * 31 + salt * 17 + x * y) % 176);

    public static string WritePng(string path, int width, int height, Func<int, int, Rgb24> pixel)
    {
        using var img = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                img[x, y] = pixel(x, y);
        img.SaveAsPng(path);
        return path;
    }

    /// <summary>An aligned A|B image whose B half is the colour inverse of the A half.</summary>
    public static string WriteAligned(string path, int half, int height, int salt) =>
        WritePng(path, 2 * half, height, (x, y) =>
        {
            bool b = x >= half;
            int xa = b ? x - half : x;
            byte r = Texture(xa, y, 0, salt), g = Texture(xa, y, 1, salt), bl = Texture(xa, y, 2, salt);
            return b ? new Rgb24((byte)(255 - r), (byte)(255 - g), (byte)(255 - bl)) : new Rgb24(r, g, bl);
        });

    public static string WriteTextured(string path, int w, int h, int salt) =>
        WritePng(path, w, h, (x, y) => new Rgb24(Texture(x, y, 0, salt), Texture(x, y, 1, salt), Texture(x, y, 2, salt)));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
