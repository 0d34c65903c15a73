using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CoroNetGAN.Engine.Data;

/// <summary>Decoding under <see cref="ImageLimits"/>, and conversion between ImageSharp images and CHW floats in [-1, 1].</summary>
internal static class ImageReader
{
    /// <summary>File name extensions treated as images; anything else in a dataset folder (README, licences) is ignored.</summary>
    internal static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp"];

    internal static bool IsImageName(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Decodes <paramref name="path"/> as RGB composited on white. Transparent emoji would otherwise come out on
    /// whatever colour the encoder left under alpha 0 (often black).
    /// </summary>
    /// <exception cref="BadImageException">The file is unreadable, not an image, truncated or too large.</exception>
    internal static Image<Rgb24> Decode(string path, ImageLimits limits, Configuration cfg)
    {
        path = Path.GetFullPath(path);
        try
        {
            // The header alone gives the size, so an oversized image is refused before any pixel buffer exists.
            IImageInfo? info;
            IImageFormat? format;
            // Identify reads only the header, so an allocation it cannot make was asked for by the file's own fields
            // (a BMP palette count of 2^31, say), not by a machine short of memory.
            try { info = Image.Identify(cfg, path, out format); }
            catch (OutOfMemoryException e) { throw new BadImageException(path, $"header asks for an impossible allocation ({e.Message})", e); }
            if (info == null || format == null) throw new BadImageException(path, "not a recognised image format");
            long pixels = (long)info.Width * info.Height;
            if (info.Width < 1 || info.Height < 1) throw new BadImageException(path, $"empty image ({info.Width} x {info.Height})");
            if (pixels > limits.MaxPixels)
                throw new BadImageException(path, $"{info.Width} x {info.Height} = {pixels} pixels is over the decoder limit of {limits.MaxPixels}");
            using var rgba = Image.Load<Rgba32>(cfg, path);
            var rgb = new Image<Rgb24>(cfg, rgba.Width, rgba.Height);
            rgba.ProcessPixelRows(rgb, (src, dst) =>
            {
                for (int y = 0; y < src.Height; y++)
                {
                    var s = src.GetRowSpan(y);
                    var d = dst.GetRowSpan(y);
                    for (int x = 0; x < s.Length; x++)
                    {
                        int a = s[x].A, w = 255 * (255 - a);
                        d[x] = new Rgb24((byte)((s[x].R * a + w + 127) / 255), (byte)((s[x].G * a + w + 127) / 255), (byte)((s[x].B * a + w + 127) / 255));
                    }
                }
            });
            return rgb;
        }
        catch (BadImageException) { throw; }
        catch (UnknownImageFormatException e) { throw new BadImageException(path, "not a recognised image format", e); }
        catch (InvalidImageContentException e) { throw new BadImageException(path, $"corrupt or truncated image data ({e.Message})", e); }
        catch (InvalidMemoryOperationException e) { throw new BadImageException(path, $"over the decoder memory limit ({e.Message})", e); }
        catch (FileNotFoundException e) { throw new BadImageException(path, "file not found", e); }
        catch (UnauthorizedAccessException e) { throw new BadImageException(path, "access denied", e); }
        catch (IOException e) { throw new BadImageException(path, $"unreadable ({e.Message})", e); }
        // Decoders fed crafted bytes can fail in other ways (index or argument errors); all of them mean "bad file".
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            throw new BadImageException(path, $"decoder failed ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>A width x height region of <paramref name="image"/> resized (bicubic, as torchvision) to <paramref name="size"/> squared, as CHW in [-1, 1].</summary>
    internal static float[] RegionToChw(Image<Rgb24> image, Rectangle region, int size)
    {
        bool whole = region.X == 0 && region.Y == 0 && region.Width == image.Width && region.Height == image.Height;
        if (whole && image.Width == size && image.Height == size) return ToChw(image);
        using var part = image.Clone(ctx =>
        {
            if (!whole) ctx.Crop(region);
            ctx.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Bicubic });
        });
        return ToChw(part);
    }

    internal static float[] ToChw(Image<Rgb24> image)
    {
        int h = image.Height, w = image.Width, plane = h * w;
        var chw = new float[3 * plane];
        image.ProcessPixelRows(acc =>
        {
            for (int y = 0; y < h; y++)
            {
                var row = acc.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                {
                    int o = y * w + x;
                    chw[o] = row[x].R / 127.5f - 1f;
                    chw[plane + o] = row[x].G / 127.5f - 1f;
                    chw[2 * plane + o] = row[x].B / 127.5f - 1f;
                }
            }
        });
        return chw;
    }

    /// <summary>CHW in [-1, 1] to an RGB image; values outside the range are clamped (generator outputs may overshoot).</summary>
    internal static Image<Rgb24> FromChw(ReadOnlySpan<float> chw, int height, int width)
    {
        int plane = height * width;
        if (chw.Length != 3 * plane)
            throw new ArgumentException($"expected 3 x {height} x {width} = {3 * plane} values, got {chw.Length}.");
        var image = new Image<Rgb24>(width, height);
        // The row accessor takes a lambda, which cannot capture a span: convert to bytes first.
        var rgb = new Rgb24[plane];
        for (int o = 0; o < plane; o++) rgb[o] = new Rgb24(ToByte(chw[o]), ToByte(chw[plane + o]), ToByte(chw[2 * plane + o]));
        image.ProcessPixelRows(acc =>
        {
            for (int y = 0; y < height; y++) rgb.AsSpan(y * width, width).CopyTo(acc.GetRowSpan(y));
        });
        return image;
    }

    static byte ToByte(float v)
    {
        if (float.IsNaN(v)) return 0;
        float b = MathF.Round((v + 1f) * 127.5f);
        return (byte)Math.Clamp(b, 0f, 255f);
    }
}
