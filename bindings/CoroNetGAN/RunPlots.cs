using System.Globalization;
using CoroNetGAN.Engine.Training;
using ScottPlot;

namespace CoroNetGAN;

/// <summary>How <see cref="RunPlots.WriteLosses"/> draws the loss curves. Immutable.</summary>
public sealed record LossPlotOptions
{
    /// <summary>Steps in the trailing moving average of the bold lines; null: about a fiftieth of the steps plotted.</summary>
    public int? SmoothingWindow { get; init; }

    /// <summary>A logarithmic loss axis: pix2pix's weighted L1 (tens) and its discriminator terms (below 1) both stay readable.</summary>
    public bool LogScale { get; init; }

    /// <summary>Picture width in pixels.</summary>
    public int Width { get; init; } = 1000;

    /// <summary>Picture height in pixels.</summary>
    public int Height { get; init; } = 520;
}

/// <summary>
/// The run's plots as PNG files, drawn with ScottPlot (axes, labels, legends): the losses over steps, the generator's
/// MAC ratio against its target, and each layer's width, full against compact. Every file is written to a
/// temporary name in the same folder and renamed, so a reader never sees half a picture. Thread-safe.
/// </summary>
public static class RunPlots
{
    // Colour-blind-safe (Okabe-Ito), in the order the losses first appear in the history.
    static readonly Color[] Palette =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#E69F00"), Color.FromHex("#009E73"), Color.FromHex("#D55E00"),
        Color.FromHex("#CC79A7"), Color.FromHex("#56B4E9"), Color.FromHex("#000000"), Color.FromHex("#F0E442"),
    ];
    static readonly Color Target = Color.FromHex("#D55E00");
    static readonly Color Marker = Color.FromHex("#777777");

    /// <summary>
    /// Writes the losses of <paramref name="history"/> over steps: each term's raw values as a faint line and its moving
    /// average as a bold one (in the legend), and a dashed line where the search ended. Returns the loss names in colour
    /// order.
    /// </summary>
    public static IReadOnlyList<string> WriteLosses(IReadOnlyList<HistoryEntry> history, string path, LossPlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= new LossPlotOptions();
        var plot = NewPlot();
        var names = AddLosses(plot, history, options);
        Save(plot, path, options.Width, options.Height);
        return names;
    }

    /// <summary>
    /// Writes the generator's MACs as a percentage of the full generator's over steps, with the target as a
    /// horizontal dashed line (none when <paramref name="targetRatio"/> is null) and a dashed line where the search ended.
    /// </summary>
    public static void WriteMacs(IReadOnlyList<HistoryEntry> history, string path, double? targetRatio, int width = 1000, int height = 360)
    {
        ArgumentNullException.ThrowIfNull(history);
        var plot = NewPlot();
        AddMacs(plot, history, targetRatio);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Writes one generator's per-layer widths as bars, the full generator's beside the compact (or current) one's,
    /// one pair per entry of <paramref name="layers"/> (the generator's width layout, e.g. d1, d2, ..., u2).
    /// </summary>
    /// <exception cref="ArgumentException">The three lists differ in length.</exception>
    public static void WriteWidths(string title, IReadOnlyList<string> layers, IReadOnlyList<int> full, IReadOnlyList<int> compact,
        string path, int width = 1000, int height = 400)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(full);
        ArgumentNullException.ThrowIfNull(compact);
        if (layers.Count != full.Count || layers.Count != compact.Count)
            throw new ArgumentException($"{layers.Count} layer names, {full.Count} full widths and {compact.Count} compact widths: they must match.");
        var plot = NewPlot();
        var fullColor = Color.FromHex("#BBBBBB");
        var compactColor = Palette[0];
        var bars = new List<Bar>();
        for (int i = 0; i < layers.Count; i++)
        {
            bars.Add(new Bar { Position = i - 0.2, Value = full[i], Size = 0.4, FillColor = fullColor, LineWidth = 0 });
            bars.Add(new Bar
            {
                Position = i + 0.2, Value = compact[i], Size = 0.4, FillColor = compactColor, LineWidth = 0,
                Label = compact[i].ToString(CultureInfo.InvariantCulture),
            });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        barPlot.ValueLabelStyle.FontName = PlotFonts.Family;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(), layers.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.12);
        long fullSum = full.Sum(w => (long)w), compactSum = compact.Sum(w => (long)w);
        plot.Title(title);
        plot.XLabel("layer (width layout)");
        plot.YLabel("output channels");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"full ({fullSum} channels in all)", FillColor = fullColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"compact ({compactSum}, {(double)compactSum / Math.Max(1, fullSum):P0})", FillColor = compactColor });
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Writes the overview picture (the run's <c>plot.png</c>): the losses (log scale) above the MAC ratio, on one
    /// step axis. Returns the loss names in colour order.
    /// </summary>
    public static IReadOnlyList<string> WriteOverview(IReadOnlyList<HistoryEntry> history, string path, double? targetRatio,
        int width = 1000, int height = 760)
    {
        ArgumentNullException.ThrowIfNull(history);
        var losses = NewPlot();
        var names = AddLosses(losses, history, new LossPlotOptions { LogScale = true });
        var macs = NewPlot();
        AddMacs(macs, history, targetRatio);
        // The same left margin in both panels, so their step axes line up.
        losses.Layout.Fixed(new PixelPadding(80, 30, 50, 40));
        macs.Layout.Fixed(new PixelPadding(80, 30, 50, 40));
        var both = new Multiplot(losses);
        both.AddPlot(macs);
        both.Layout = new ScottPlot.MultiplotLayouts.Rows();
        Atomic(path, temp => both.SavePng(temp, width, height));
        return names;
    }

    /// <summary>
    /// Writes a compression trade-off figure (a study's study.png): one panel per metric, the metric against GMACs,
    /// one line per method with error bars (the points' interval half-widths), the figure compression papers show.
    /// </summary>
    /// <param name="path">The PNG to write (through a temporary file).</param>
    /// <param name="panels">Per panel its metric name (the y label) and its series.</param>
    /// <param name="width">Pixel width.</param>
    /// <param name="panelHeight">Pixel height of each panel.</param>
    public static void WriteTradeOff(string path, IReadOnlyList<(string Metric, IReadOnlyList<TradeOffSeries> Series)> panels, int width = 900, int panelHeight = 420)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("a trade-off figure needs at least one panel.", nameof(panels));
        var plots = new List<Plot>();
        foreach (var (metric, series) in panels)
        {
            var plot = NewPlot();
            for (int i = 0; i < series.Count; i++)
            {
                var points = series[i].Points.OrderBy(p => p.GMacs).ToArray();
                if (points.Length == 0) continue;
                var color = Palette[i % Palette.Length];
                double[] xs = points.Select(p => p.GMacs).ToArray(), ys = points.Select(p => p.Mean).ToArray();
                var line = plot.Add.Scatter(xs, ys, color);
                line.LineWidth = 2;
                line.MarkerSize = 8;
                line.LegendText = series[i].Name;
                var bars = plot.Add.ErrorBar(xs, ys, points.Select(p => p.HalfWidth).ToArray());
                bars.Color = color;
                bars.LineWidth = 2;
            }
            plot.Title($"{metric} against generator MACs");
            plot.XLabel("GMACs (at 256 x 256)");
            plot.YLabel(metric);
            plot.ShowLegend(Alignment.UpperRight);
            plot.Layout.Fixed(new PixelPadding(80, 30, 50, 40));
            plots.Add(plot);
        }
        var all = new Multiplot(plots[0]);
        foreach (var p in plots.Skip(1)) all.AddPlot(p);
        all.Layout = new ScottPlot.MultiplotLayouts.Rows();
        Atomic(path, temp => all.SavePng(temp, width, panelHeight * plots.Count));
    }

    static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(PlotFonts.Ensure());
        plot.Legend.FontName = PlotFonts.Family;
        // ScottPlot would otherwise pick a system font for legend text with unusual characters.
        plot.Legend.SetBestFontOnEachRender = false;
        return plot;
    }

    static List<string> AddLosses(Plot plot, IReadOnlyList<HistoryEntry> history, LossPlotOptions options)
    {
        var names = history.SelectMany(h => h.Losses.Keys).Distinct(StringComparer.Ordinal).ToList();
        int window = Math.Max(1, options.SmoothingWindow ?? history.Count / 50);
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (int k = 0; k < names.Count; k++)
        {
            var color = Palette[k % Palette.Length];
            var raw = history.Select(h => h.Losses.TryGetValue(names[k], out var v) ? (double)v : double.NaN).ToArray();
            var smooth = MovingAverage(raw, window);
            var steps = history.Select(h => (double)h.Step).ToArray();
            if (window > 1) AddLine(plot, steps, raw, color.WithAlpha(0.22), 1, null, options.LogScale, ref low, ref high);
            AddLine(plot, steps, smooth, color, 2, names[k], options.LogScale, ref low, ref high);
        }
        AddSearchEnd(plot, history);
        // A legend in one row above the curves, in room the top margin keeps free, so it hides none of them.
        plot.Axes.Margins(top: 0.25);
        if (options.LogScale && low <= high) LogAxis(plot, low, high);
        plot.Title(history.Count == 0 ? "losses (no steps yet)"
            : window > 1 ? $"losses (bold: moving average over {window} steps; faint: every step)" : "losses");
        plot.XLabel("step");
        plot.YLabel(options.LogScale ? "loss (log scale)" : "loss");
        plot.ShowLegend(Alignment.UpperCenter, Orientation.Horizontal);
        return names;
    }

    /// <summary>
    /// Ticks for a log10-valued axis, labelled in loss units: ScottPlot has no log axis, so the lines carry log10 values.
    /// The ticks are 1, 2, 5 or 1..9 times powers of ten (whichever set gives at least three inside the data, so a loss
    /// that stays within one decade still gets labels), and the axis ends on the ticks just outside the data.
    /// </summary>
    static void LogAxis(Plot plot, double low, double high)
    {
        int[][] sets = [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
        List<double> Candidates(int[] set) =>
            Enumerable.Range((int)Math.Floor(low) - 1, (int)Math.Ceiling(high) - (int)Math.Floor(low) + 3)
                .SelectMany(k => set.Select(m => Math.Log10(m) + k)).Order().ToList();
        var chosen = sets.Select(Candidates).FirstOrDefault(c => c.Count(v => v >= low - 1e-9 && v <= high + 1e-9) >= 3) ?? Candidates(sets[^1]);
        double bottom = chosen.Where(v => v <= low + 1e-9).DefaultIfEmpty(low).Max();
        double top = chosen.Where(v => v >= high - 1e-9).DefaultIfEmpty(high).Min();
        if (top - bottom < 1e-6) top = bottom + 1;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var v in chosen.Where(v => v >= bottom - 1e-9 && v <= top + 1e-9))
            ticks.AddMajor(v, Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture));
        foreach (var v in Candidates(sets[^1]).Where(v => v > bottom && v < top)) ticks.AddMinor(v);
        plot.Axes.Left.TickGenerator = ticks;
        // The quarter above the data is the legend's row.
        plot.Axes.SetLimitsY(bottom, top + 0.25 * (top - bottom));
    }

    static void AddMacs(Plot plot, IReadOnlyList<HistoryEntry> history, double? targetRatio)
    {
        var steps = history.Select(h => (double)h.Step).ToArray();
        var ratio = history.Select(h => h.MacsRatio * 100).ToArray();
        double low = 0, high = 0;
        AddLine(plot, steps, ratio, Palette[0], 2, "generator MACs", logScale: false, ref low, ref high);
        if (targetRatio is { } t)
        {
            var line = plot.Add.HorizontalLine(t * 100, 2, Target, LinePattern.Dashed);
            line.LegendText = $"target {t.ToString("P1", CultureInfo.InvariantCulture)}";
        }
        AddSearchEnd(plot, history);
        // Nothing is drawn above 100 %: the legend's row goes there.
        plot.Axes.SetLimitsY(0, 125);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, 6).Select(i => i * 20.0).ToArray(), Enumerable.Range(0, 6).Select(i => (i * 20).ToString(CultureInfo.InvariantCulture)).ToArray());
        if (steps.Length == 0) plot.Axes.SetLimitsX(0, 1);
        plot.Title("MACs of the generator, % of the full generator's");
        plot.XLabel("step");
        plot.YLabel("MACs (% of full)");
        plot.ShowLegend(Alignment.UpperCenter, Orientation.Horizontal);
    }

    /// <summary>A dashed vertical line at the first step after the search, when the history has one.</summary>
    static void AddSearchEnd(Plot plot, IReadOnlyList<HistoryEntry> history)
    {
        for (int i = 1; i < history.Count; i++)
        {
            if (history[i - 1].Phase != Trainer.SearchPhase || history[i].Phase == Trainer.SearchPhase) continue;
            var line = plot.Add.VerticalLine(history[i - 1].Step, 1.5f, Marker, LinePattern.Dashed);
            line.LegendText = $"search ended (step {history[i - 1].Step.ToString(CultureInfo.InvariantCulture)})";
            return;
        }
    }

    /// <summary>Adds the finite points of a series (positive ones on a log axis) as a line without markers; widens
    /// <paramref name="low"/> and <paramref name="high"/> to the plotted values.</summary>
    static void AddLine(Plot plot, double[] xs, double[] ys, Color color, float width, string? legend, bool logScale, ref double low, ref double high)
    {
        // Dense histories are thinned for drawing only: more points than pixels change nothing visible.
        int stride = Math.Max(1, xs.Length / 4000);
        var px = new List<double>();
        var py = new List<double>();
        for (int i = 0; i < xs.Length; i += stride)
        {
            double y = ys[i];
            if (!double.IsFinite(y) || (logScale && y <= 0)) continue;
            double v = logScale ? Math.Log10(y) : y;
            px.Add(xs[i]);
            py.Add(v);
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        if (px.Count == 0) return;
        var line = plot.Add.ScatterLine(px.ToArray(), py.ToArray(), color);
        line.LineWidth = width;
        line.MarkerSize = 0;
        if (legend != null) line.LegendText = legend;
    }

    static double[] MovingAverage(double[] v, int window)
    {
        var r = new double[v.Length];
        double sum = 0;
        int count = 0;
        for (int i = 0; i < v.Length; i++)
        {
            if (double.IsFinite(v[i])) { sum += v[i]; count++; }
            if (i >= window && double.IsFinite(v[i - window])) { sum -= v[i - window]; count--; }
            r[i] = count > 0 ? sum / count : double.NaN;
        }
        return r;
    }

    static void Save(Plot plot, string path, int width, int height) => Atomic(path, temp => plot.SavePng(temp, width, height));

    /// <summary>Writes through a temporary file in the same folder and renames it over <paramref name="path"/>.</summary>
    internal static void Atomic(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(full)}");
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

/// <summary>One point of a trade-off figure: a method's mean at some MACs and the half-width of its interval.</summary>
/// <param name="GMacs">Generator MACs in billions.</param>
/// <param name="Mean">The metric (mean over seeds).</param>
/// <param name="HalfWidth">Half-width of its 95% interval (0: none).</param>
public sealed record TradeOffPoint(double GMacs, double Mean, double HalfWidth);

/// <summary>One method's line in a trade-off figure.</summary>
/// <param name="Name">The legend text.</param>
/// <param name="Points">Its points.</param>
public sealed record TradeOffSeries(string Name, IReadOnlyList<TradeOffPoint> Points);
