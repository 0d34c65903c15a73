using CoroNetGAN.Engine.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN;

/// <summary>
/// The run's curves as a PNG: the top panel has every loss (each normalised to its own maximum, smoothed over a
/// window), the bottom panel the generator's MAC ratio, with a vertical line where the search ended. Drawn pixel by
/// pixel so no font or drawing package is needed; the colours are listed in README and the numbers are in
/// history.json. Thread-safe.
/// </summary>
public static class TrainingPlot
{
    /// <summary>Line colours in the order the losses first appear (README lists the same).</summary>
    public static readonly Rgb24[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>Writes the plot of <paramref name="history"/> to <paramref name="path"/>; returns the loss names in colour order.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<HistoryEntry> history, string path, int width = 900, int height = 500)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        var names = history.SelectMany(h => h.Losses.Keys).Distinct().ToList();
        if (history.Count == 0) { image.SaveAsPng(path); return names; }
        int top = 10, split = height * 2 / 3, bottom = height - 10, left = 10, right = width - 10;
        Frame(image, left, top, right, split - 10);
        Frame(image, left, split + 5, right, bottom);
        long first = history[0].Step, last = Math.Max(history[^1].Step, first + 1);
        int X(long step) => left + (int)((step - first) * (right - left) / (double)(last - first));
        int window = Math.Max(1, history.Count / 200);
        for (int k = 0; k < names.Count; k++)
        {
            var series = history.Select(h => h.Losses.TryGetValue(names[k], out var v) && float.IsFinite(v) ? v : float.NaN).ToArray();
            var smooth = Smooth(series, window);
            double max = smooth.Where(double.IsFinite).DefaultIfEmpty(1).Max();
            if (max <= 0) max = 1;
            Polyline(image, Palette[k % Palette.Length], history.Select((h, i) => (X(h.Step), Y(smooth[i] / max, top, split - 10))));
        }
        Polyline(image, new Rgb24(0, 0, 0), history.Select(h => (X(h.Step), Y(h.MacsRatio, split + 5, bottom))));
        int end = -1;
        for (int i = 0; i < history.Count && end < 0; i++) if (history[i].Phase != "search") end = i;
        if (end > 0)
            for (int y = top; y < bottom; y += 2) Set(image, X(history[end].Step), y, new Rgb24(160, 160, 160));
        image.SaveAsPng(path);
        return names;
    }

    static int Y(double fraction, int top, int bottom) => bottom - (int)(Math.Clamp(fraction, 0, 1) * (bottom - top));

    static double[] Smooth(float[] v, int window)
    {
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            double s = 0; int c = 0;
            for (int j = Math.Max(0, i - window + 1); j <= i; j++) if (float.IsFinite(v[j])) { s += v[j]; c++; }
            r[i] = c > 0 ? s / c : double.NaN;
        }
        return r;
    }

    static void Frame(Image<Rgb24> img, int x0, int y0, int x1, int y1)
    {
        var grey = new Rgb24(200, 200, 200);
        for (int x = x0; x <= x1; x++) { Set(img, x, y0, grey); Set(img, x, y1, grey); }
        for (int y = y0; y <= y1; y++) { Set(img, x0, y, grey); Set(img, x1, y, grey); }
    }

    static void Polyline(Image<Rgb24> img, Rgb24 color, IEnumerable<(int X, int Y)> points)
    {
        (int X, int Y)? prev = null;
        foreach (var p in points)
        {
            if (prev is { } q) Line(img, q.X, q.Y, p.X, p.Y, color);
            prev = p;
        }
    }

    static void Line(Image<Rgb24> img, int x0, int y0, int x1, int y1, Rgb24 c)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Set(img, x0, y0, c);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    static void Set(Image<Rgb24> img, int x, int y, Rgb24 c)
    {
        if ((uint)x < (uint)img.Width && (uint)y < (uint)img.Height) img[x, y] = c;
    }
}
