using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>
/// The run report page, <c>index.html</c> in the run's folder: the settings, the numbers (the report's once the run has
/// finished, the latest step's while it trains), the plots, the sample grids newest first and the widths chart. One
/// self-contained file: no script, no stylesheet or font from the network, every image by a path relative to the page,
/// every string from the run HTML-encoded. While the run trains the page reloads itself every minute. Thread-safe.
/// </summary>
public static partial class RunReportPage
{
    /// <summary>Seconds between the page's own reloads while the run trains.</summary>
    public const int RefreshSeconds = 60;

    /// <summary>Sample steps shown; older grids stay in <c>samples/</c>.</summary>
    public const int MaxSampleSteps = 40;

    static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Writes the page of <paramref name="snapshot"/> to <paramref name="path"/> (normally <c>index.html</c> in the
    /// run's folder; the image paths are relative to it), through a temporary file and a rename.</summary>
    public static void Write(RunSnapshot snapshot, string path)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        string html = Render(snapshot);
        RunPlots.Atomic(path, temp => File.WriteAllText(temp, html, new UTF8Encoding(false)));
    }

    /// <summary>The page's HTML for <paramref name="snapshot"/>.</summary>
    public static string Render(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = snapshot;
        var o = s.Options;
        var h = new StringBuilder();
        string arch = s.Report?.Arch ?? o.EffectiveNetG.ToString().ToLowerInvariant();
        string title = $"CoroNetGAN run: {o.Mode.ToString().ToLowerInvariant()} {arch} at {o.Size}x{o.Size}";
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        if (!s.Finished) h.Append(C, $"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>").Append(E(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        h.Append("<h1>").Append(E(title)).Append("</h1>\n");
        h.Append("<p class=\"where\">").Append(E(Path.GetFullPath(s.OutputDirectory))).Append("</p>\n");
        string state = s.Finished
            ? $"Finished: {s.Step.ToString("N0", C)} steps. Written {Time(s.Written)}."
            : $"Training: step {s.Step.ToString("N0", C)} of {o.TotalSteps.ToString("N0", C)} ({(double)s.Step / Math.Max(1, o.TotalSteps):P0}), phase {s.Phase}. " +
              $"Written {Time(s.Written)}; " +
              (o.CheckpointEvery > 0 ? $"rewritten at every checkpoint (every {o.CheckpointEvery.ToString("N0", C)} steps)" : "rewritten when the run ends") +
              $", and this page reloads itself every {RefreshSeconds} s.";
        h.Append("<p class=\"state ").Append(s.Finished ? "done" : "running").Append("\">").Append(E(state)).Append("</p>\n");

        h.Append("<nav><a href=\"#numbers\">numbers</a> <a href=\"#plots\">plots</a> <a href=\"#widths\">widths</a> <a href=\"#samples\">samples</a> <a href=\"#settings\">settings</a></nav>\n");
        h.Append("<h2 id=\"numbers\">Numbers</h2>\n");
        if (s.Report is { } r) Numbers(h, r);
        else Progress(h, s);

        h.Append("<h2 id=\"plots\">Plots</h2>\n");
        Figure(h, "losses-log.png", "Losses over steps on a log scale (the title says how they are smoothed); the dashed line is where the search ended.");
        Figure(h, "macs.png", "The generator's MACs as a percentage of the full generator's, with the target (dashed).");
        h.Append("<details><summary>the losses on a linear scale</summary>\n");
        Figure(h, "losses.png", "The same losses on a linear scale.");
        h.Append("</details>\n");

        h.Append("<h2 id=\"widths\">Widths</h2>\n");
        foreach (var w in s.Widths)
        {
            Figure(h, RunReport.WidthsFileName(s, w), $"{w.Generator}: output channels per layer, full (grey) and {(s.Finished || s.Phase != Trainer.SearchPhase ? "compact" : "current")} (blue).");
            h.Append("<table class=\"widths\"><tr><th>layer</th>");
            foreach (var l in w.Layers) h.Append("<th>").Append(E(l)).Append("</th>");
            h.Append("</tr>\n<tr><th>full</th>");
            foreach (var v in w.Full) h.Append("<td>").Append(v.ToString(C)).Append("</td>");
            h.Append("</tr>\n<tr><th>").Append(s.Finished || s.Phase != Trainer.SearchPhase ? "compact" : "current").Append("</th>");
            foreach (var v in w.Current) h.Append("<td>").Append(v.ToString(C)).Append("</td>");
            h.Append("</tr></table>\n");
        }

        h.Append("<h2 id=\"samples\">Samples</h2>\n");
        Samples(h, s.OutputDirectory, s.Widths.Count > 0 ? s.Widths[0].Generator : "G");

        h.Append("<h2 id=\"settings\">Settings</h2>\n<table class=\"kv\">\n");
        foreach (var (key, value) in Settings(o)) Row(h, key, value);
        h.Append("</table>\n");
        if (s.Report?.SearchLog is { Count: > 0 } log)
        {
            h.Append("<h2 id=\"search\">Search log</h2>\n");
            foreach (var (g, lines) in log)
                h.Append("<details><summary>").Append(E($"{g}: {lines.Length} lines")).Append("</summary><pre>")
                    .Append(E(string.Join('\n', lines))).Append("</pre></details>\n");
        }
        h.Append("<footer>Made by CoroNetGAN.Engine; the numbers are also in report.json and history.json beside this page.</footer>\n");
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    static void Numbers(StringBuilder h, TrainReport r)
    {
        h.Append("<table class=\"kv\">\n");
        string target = r.TargetMacs is { } t ? $"; target {(double)t / r.FullMacs:P1}" : "; not pruned";
        Row(h, $"MACs at {r.MacImageSize}x{r.MacImageSize} (torchprofile)",
            $"{r.FullMacs.ToString("N0", C)} -> {r.CompactMacs.ToString("N0", C)} ({(double)r.CompactMacs / r.FullMacs:P1}{target})");
        if (r.CompactMacsBtoA is { } b) Row(h, "MACs of G_B (B -> A)", $"{b.ToString("N0", C)} ({(double)b / r.FullMacs:P1})");
        Row(h, "parameters", $"{r.FullParams.ToString("N0", C)} -> {r.CompactParams.ToString("N0", C)} ({(double)r.CompactParams / r.FullParams:P1})");
        Row(h, $"widths ({r.WidthLayout})", $"[{string.Join(", ", r.Widths)}]");
        if (r.WidthsBtoA is { } wb) Row(h, "widths of G_B", $"[{string.Join(", ", wb)}]");
        if (r.Test is { } test)
        {
            Row(h, "test L1 (compact generator)", test.L1.ToString("F4", C));
            Row(h, "identity L1 (output = input)", test.IdentityL1.ToString("F4", C));
            Row(h, "mean L1 (output = mean target)", test.MeanL1.ToString("F4", C));
            Row(h, "test pairs", test.Images.ToString(C));
        }
        foreach (var (phase, time) in r.Phases)
            Row(h, $"phase {phase}", $"{time.Steps.ToString("N0", C)} steps in {time.Seconds.ToString("F1", C)} s ({time.Seconds * 1000 / Math.Max(1, time.Steps):F1} ms/step)");
        Row(h, "compact model", Path.GetFileName(r.CompactModel));
        if (r.CompactModelBtoA != null) Row(h, "compact model B -> A", Path.GetFileName(r.CompactModelBtoA));
        h.Append("</table>\n");
    }

    static void Progress(StringBuilder h, RunSnapshot s)
    {
        h.Append("<table class=\"kv\">\n");
        Row(h, "step", $"{s.Step.ToString("N0", C)} of {s.Options.TotalSteps.ToString("N0", C)}");
        Row(h, "phase", s.Phase);
        if (s.History.Count > 0)
        {
            var last = s.History[^1];
            Row(h, "MACs (of the full generator's)", $"{last.MacsRatio:P1}{(s.TargetRatio is { } t ? $"; target {t:P1}" : "")}");
            Row(h, "learning rate", last.LearningRate.ToString("G4", C));
            var recent = s.History.Skip(Math.Max(0, s.History.Count - 100)).ToList();
            foreach (var name in recent.SelectMany(e => e.Losses.Keys).Distinct(StringComparer.Ordinal))
            {
                var values = recent.Where(e => e.Losses.ContainsKey(name)).Select(e => (double)e.Losses[name]).Where(double.IsFinite).ToList();
                if (values.Count > 0) Row(h, $"{name} (mean of the last {values.Count} steps)", values.Average().ToString("G4", C));
            }
        }
        h.Append("</table>\n<p>The report's numbers (MACs, parameters, test scores) appear here when the run has finished.</p>\n");
    }

    /// <summary>The sample grids, newest step first; <paramref name="first"/> names the generator of the unsuffixed files.</summary>
    static void Samples(StringBuilder h, string dir, string first)
    {
        string samples = Path.Combine(dir, "samples");
        var files = Directory.Exists(samples) ? Directory.GetFiles(samples, "step-*.png") : [];
        var steps = files
            .Select(f => (File: Path.GetFileName(f), Match: SampleName().Match(Path.GetFileName(f))))
            .Where(x => x.Match.Success)
            .GroupBy(x => long.Parse(x.Match.Groups[1].Value, C))
            .OrderByDescending(g => g.Key)
            .ToList();
        if (steps.Count == 0) { h.Append("<p>No sample grids yet.</p>\n"); return; }
        h.Append("<p>Each row: input | output | target (CycleGAN: input | output | the other domain's image of the batch); newest first.</p>\n");
        foreach (var g in steps.Take(MaxSampleSteps))
        {
            h.Append("<div class=\"sample\"><h3>").Append(E($"step {g.Key.ToString("N0", C)}")).Append("</h3>");
            foreach (var (file, m) in g.OrderBy(x => x.Match.Groups[2].Value, StringComparer.Ordinal))
            {
                string gen = m.Groups[2].Success && m.Groups[2].Value.Length > 0 ? m.Groups[2].Value : first;
                h.Append("<figure><img src=\"").Append(Src("samples/" + file)).Append("\" alt=\"").Append(E($"sample at step {g.Key} ({gen})"))
                    .Append("\"><figcaption>").Append(E(gen)).Append("</figcaption></figure>");
            }
            h.Append("</div>\n");
        }
        if (steps.Count > MaxSampleSteps)
            h.Append("<p>").Append(E($"{steps.Count - MaxSampleSteps} older sample steps are in samples/.")).Append("</p>\n");
    }

    [GeneratedRegex(@"^step-(\d+)(?:-(.+))?\.png$")]
    private static partial Regex SampleName();

    static IEnumerable<(string Key, string Value)> Settings(TrainOptions o)
    {
        var json = JsonSerializer.SerializeToElement(o, SettingsJson);
        // The record's own properties, the Effective* ones included: what "default" came to in this run.
        foreach (var (key, value) in Flatten("", json)) yield return (key, value);
    }

    static readonly JsonSerializerOptions SettingsJson = new() { Converters = { new JsonStringEnumConverter() } };

    static IEnumerable<(string, string)> Flatten(string prefix, JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
                foreach (var x in Flatten(prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", p.Value)) yield return x;
        }
        else yield return (prefix, e.ValueKind switch
        {
            JsonValueKind.String => e.GetString() ?? "",
            JsonValueKind.Null => "default",
            _ => e.GetRawText(),
        });
    }

    static void Figure(StringBuilder h, string file, string caption) =>
        h.Append("<figure class=\"plot\"><img src=\"").Append(Src(file)).Append("\" alt=\"").Append(E(caption)).Append("\"><figcaption>")
            .Append(E(caption)).Append("</figcaption></figure>\n");

    static void Row(StringBuilder h, string key, string value) =>
        h.Append("<tr><th>").Append(E(key)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", C);

    /// <summary>HTML-encodes text for an element or a quoted attribute.</summary>
    static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A relative image path, each segment URL-escaped, then HTML-encoded for the attribute.</summary>
    static string Src(string relative) => E(string.Join('/', relative.Split('/').Select(Uri.EscapeDataString)));

    const string Style = """
        body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 24px auto; max-width: 1080px; color: #222; padding: 0 16px; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 19px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
        h3 { font-size: 14px; margin: 4px 0; }
        .where { color: #666; font-family: monospace; margin-top: 0; }
        .state { padding: 8px 12px; border-radius: 4px; }
        .running { background: #fff4d6; }
        .done { background: #e3f4e3; }
        nav a { margin-right: 12px; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; font-size: 14px; }
        table.kv th { background: #f5f5f5; font-weight: normal; white-space: nowrap; }
        table.widths td { text-align: right; }
        figure { margin: 8px 0; }
        figure.plot img { max-width: 100%; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 13px; }
        .sample { display: inline-block; vertical-align: top; margin: 0 16px 12px 0; }
        .sample figure { display: inline-block; margin-right: 8px; }
        .sample img { image-rendering: pixelated; min-width: 300px; max-width: 100%; border: 1px solid #eee; }
        pre { font-size: 12px; background: #f7f7f7; padding: 8px; overflow-x: auto; }
        footer { margin-top: 32px; color: #888; font-size: 12px; }

        """;
}
