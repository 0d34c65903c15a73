using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Evaluation;

/// <summary>CHW floats in [-1, 1] to 8-bit RGB, rounded and clamped exactly as the engine writes PNGs.</summary>
internal static class Pixels
{
    public static Image<Rgb24> FromChw(ReadOnlySpan<float> chw, int height, int width)
    {
        int plane = height * width;
        if (chw.Length != 3 * plane)
            throw new ArgumentException($"expected 3 x {height} x {width} = {3 * plane} values, got {chw.Length}.");
        var pixels = new Rgb24[plane];
        for (int o = 0; o < plane; o++) pixels[o] = new Rgb24(ToByte(chw[o]), ToByte(chw[plane + o]), ToByte(chw[2 * plane + o]));
        return Image.LoadPixelData<Rgb24>(pixels, width, height);
    }

    static byte ToByte(float v)
    {
        if (float.IsNaN(v)) return 0;
        return (byte)Math.Clamp(MathF.Round((v + 1f) * 127.5f), 0f, 255f);
    }
}
