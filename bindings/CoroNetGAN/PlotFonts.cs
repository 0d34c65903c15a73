using ScottPlot;
using SkiaSharp;

namespace CoroNetGAN;

/// <summary>
/// The plots' typeface, DejaVu Sans regular and bold embedded in this assembly. Skia finds no font on a machine
/// without fontconfig fonts (a bare container) and then draws no text at all, silently; carrying our own keeps every
/// axis label and legend readable everywhere and the pictures the same on every machine. Registered under a name of
/// our own, so a host app's ScottPlot defaults are left alone.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The family name the plots ask for.</summary>
    public const string Family = "CoroNetGAN DejaVu Sans";

    static readonly Lazy<(SKTypeface Regular, SKTypeface Bold)> Faces = new(() =>
    {
        var faces = (Load("DejaVuSans.ttf"), Load("DejaVuSans-Bold.ttf"));
        lock (Fonts.FontResolvers) Fonts.FontResolvers.Add(new Resolver());
        return faces;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers the embedded typefaces with ScottPlot (once; thread-safe) and returns the family name.</summary>
    public static string Ensure()
    {
        _ = Faces.Value;
        return Family;
    }

    static SKTypeface Load(string file)
    {
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream($"fonts/{file}")
            ?? throw new InvalidOperationException($"the embedded font {file} is missing from {typeof(PlotFonts).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"the embedded font {file} could not be read.");
    }

    sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            CreateTypeface(fontName, bold: weight >= FontWeight.SemiBold, italic: false);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic)
        {
            if (!string.Equals(fontName, Family, StringComparison.Ordinal)) return null;
            var (regular, boldFace) = Faces.Value;
            return bold ? boldFace : regular;
        }
    }
}
