using SkiaSharp;
using Svg.Skia;

namespace CoroNetGAN.PrepareData;

/// <summary>Rasterising SVGs and compositing PNGs on white with Skia.</summary>
internal static class Render
{
    /// <summary>Draws the SVG at <paramref name="svgPath"/> scaled to size x size at (x, 0) on <paramref name="canvas"/>.</summary>
    internal static void DrawSvg(SKCanvas canvas, string svgPath, int x, int size)
    {
        using var svg = new SKSvg();
        var picture = svg.Load(svgPath) ?? throw new InvalidOperationException($"could not load {svgPath}");
        var box = picture.CullRect;
        canvas.Save();
        canvas.Translate(x, 0);
        canvas.Scale(size / box.Width, size / box.Height);
        canvas.Translate(-box.Left, -box.Top);
        canvas.DrawPicture(picture);
        canvas.Restore();
    }

    /// <summary>A white opaque surface of width x height.</summary>
    internal static SKSurface WhiteSurface(int width, int height)
    {
        var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("could not create a Skia surface");
        surface.Canvas.Clear(SKColors.White);
        return surface;
    }

    /// <summary>Composites the PNG at <paramref name="pngPath"/> on white at size x size.</summary>
    internal static void DrawPng(SKCanvas canvas, string pngPath, int size)
    {
        using var bitmap = SKBitmap.Decode(pngPath) ?? throw new InvalidOperationException($"could not decode {pngPath}");
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, new SKRect(0, 0, size, size), new SKSamplingOptions(SKCubicResampler.Mitchell));
    }

    /// <summary>Writes the surface as PNG, dropping alpha: everything is on white, and RGB files are smaller.</summary>
    internal static void SavePng(SKSurface surface, string path)
    {
        using var snapshot = surface.Snapshot();
        using var opaque = new SKBitmap(new SKImageInfo(snapshot.Width, snapshot.Height, SKColorType.Rgb888x, SKAlphaType.Opaque));
        snapshot.ReadPixels(opaque.Info, opaque.GetPixels(), opaque.RowBytes, 0, 0);
        using var data = opaque.Encode(SKEncodedImageFormat.Png, 100);
        using var f = File.Create(path);
        data.SaveTo(f);
    }
}
