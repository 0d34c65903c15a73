using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>A fact that runs only where Debian's chromium is installed, and is reported as skipped, with why, where not.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
            Skip = $"SKIPPED: {Chromium} is missing, so the run report page was not rendered in a browser (apt-get install chromium; .ci/run installs it).";
    }
}

/// <summary>The run plots, the HTML run report (also in headless Chromium) and the per-layer table of `info`.</summary>
public sealed class RunReportTests(ITestOutputHelper output) : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("run-report-").FullName;

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A run folder with a history (search, then fine-tuning), sample grids and the given report.</summary>
    RunSnapshot Synthetic(string dir, TrainReport? report, string lossName = "G_L1")
    {
        var rng = new Random(5);
        var history = new List<HistoryEntry>();
        for (int step = 1; step <= 240; step++)
        {
            var losses = new Dictionary<string, float>
            {
                ["G_GAN"] = 1 + (float)rng.NextDouble(),
                [lossName] = 80f / MathF.Sqrt(step) + (float)rng.NextDouble(),
                // A zero and a NaN, as a broken step could give: the log-scale plot must leave them out, not fail.
                ["D_real"] = step == 7 ? 0 : step == 9 ? float.NaN : 0.2f + 0.3f * (float)rng.NextDouble(),
            };
            history.Add(new HistoryEntry(step, step <= 120 ? Trainer.SearchPhase : Trainer.FinetunePhase, 2e-4f, step <= 120 ? 1 - step / 300.0 : 0.52, losses));
        }
        Directory.CreateDirectory(Path.Combine(dir, "samples"));
        foreach (long step in new long[] { 80, 160, 240 })
        {
            float[] Img(float v) => Enumerable.Range(0, 3 * 16 * 16).Select(i => (float)Math.Sin(i * v)).ToArray();
            ImageGrid.Save(Path.Combine(dir, "samples", RunReport.SampleFileName(new TrainSample(step, "G", 16, Img(0.1f), Img(0.2f), Img(0.3f)))),
                new TrainSample(step, "G", 16, Img(0.1f), Img(0.2f), Img(0.3f)));
        }
        var options = new TrainOptions(TrainMode.Pix2Pix, 32, 300, dir, Ngf: 8, CheckpointEvery: 80, SampleEvery: 80);
        var layers = UnetGenerator.WidthLayout(5).Split(", ");
        var full = UnetGenerator.FullWidths(8, 5);
        var current = full.Select(w => Math.Max(4, w * 2 / 3)).ToArray();
        return new RunSnapshot(dir, options, 240, Trainer.FinetunePhase, history, [new GeneratorWidths("G", layers, full, current)], 0.5, report,
            DateTimeOffset.UtcNow);
    }

    static TrainReport Report(string dir) => new()
    {
        Mode = "pix2pix", Arch = "unet", Size = 32, Ngf = 8, MacImageSize = 256, FullMacs = 1000, TargetMacs = 500, CompactMacs = 520,
        FullParams = 100, CompactParams = 50, Widths = [5, 11, 21, 40, 42, 50, 22, 11, 6], WidthLayout = UnetGenerator.WidthLayout(5),
        TotalSteps = 300, Phases = new Dictionary<string, PhaseTime> { ["search"] = new(120, 3), ["finetune"] = new(180, 2) },
        CompactModel = Path.Combine(dir, "compact.safetensors"), Test = new TestScores(0.2, 0.13, 0.29, 80),
        SearchLog = new Dictionary<string, string[]> { ["G"] = ["step 100: MACs <60 %> & \"more\""] },
    };

    /// <summary>Colours in a picture and the share of its pixels that are not white.</summary>
    static (int Colours, double Ink) Look(string png)
    {
        using var img = Image.Load<Rgb24>(png);
        var colours = new HashSet<Rgb24>();
        long ink = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var p = img[x, y];
                colours.Add(p);
                if (p.R < 250 || p.G < 250 || p.B < 250) ink++;
            }
        return (colours.Count, (double)ink / (img.Width * img.Height));
    }

    [Fact]
    public void Writes_every_plot_and_a_page_whose_images_all_exist()
    {
        string dir = Path.Combine(_root, "run");
        var files = RunReport.Write(Synthetic(dir, Report(dir)));
        foreach (var name in new[] { "plot.png", "losses.png", "losses-log.png", "macs.png", "widths.png", "index.html" })
            Assert.Contains(Path.Combine(dir, name), files);
        foreach (var png in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            var (colours, ink) = Look(png);
            // Lines, fills and anti-aliased text give hundreds of colours; a blank or text-less picture has a handful.
            Assert.True(colours > 50 && ink > 0.02, $"{png}: {colours} colours, {ink:P1} ink");
        }
        Assert.Empty(Directory.GetFiles(dir, ".*tmp*"));

        string html = File.ReadAllText(Path.Combine(dir, "index.html"));
        var sources = ImageSources(html);
        Assert.Contains("samples/step-0000240.png", sources);
        Assert.Contains("widths.png", sources);
        foreach (var src in sources) Assert.True(File.Exists(Path.Combine(dir, Uri.UnescapeDataString(src))), src);
        // Newest samples first.
        Assert.True(html.IndexOf("step-0000240.png", StringComparison.Ordinal) < html.IndexOf("step-0000080.png", StringComparison.Ordinal));
        Assert.Contains("test L1 (compact generator)", html);
        Assert.DoesNotContain("http-equiv=\"refresh\"", html);
        Assert.DoesNotContain("http:", html);
        Assert.DoesNotContain("https:", html);
        Assert.Contains("MACs &lt;60 %&gt; &amp; &quot;more&quot;", html);
    }

    [Fact]
    public void A_running_report_refreshes_itself_and_escapes_what_comes_from_the_run()
    {
        string dir = Path.Combine(_root, "a <b>&\"run\"");
        RunReport.Write(Synthetic(dir, report: null, lossName: "<script>alert(1)</script>"));
        string html = File.ReadAllText(Path.Combine(dir, "index.html"));
        Assert.Contains("http-equiv=\"refresh\"", html);
        Assert.Contains("rewritten at every checkpoint", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("a &lt;b&gt;&amp;&quot;run&quot;", html);
    }

    [Fact]
    public void Losses_plot_takes_a_window_and_a_log_scale_and_widths_must_match()
    {
        string dir = Path.Combine(_root, "plots");
        var s = Synthetic(dir, null);
        var names = RunPlots.WriteLosses(s.History, Path.Combine(dir, "l.png"), new LossPlotOptions { SmoothingWindow = 20, LogScale = true, Width = 640, Height = 400 });
        Assert.Equal(["G_GAN", "G_L1", "D_real"], names);
        using (var img = Image.Load<Rgb24>(Path.Combine(dir, "l.png"))) Assert.Equal((640, 400), (img.Width, img.Height));
        RunPlots.WriteLosses([], Path.Combine(dir, "empty.png"));
        RunPlots.WriteMacs([], Path.Combine(dir, "empty-macs.png"), null);
        Assert.Throws<ArgumentException>(() => RunPlots.WriteWidths("x", ["a", "b"], [1, 2], [1], Path.Combine(dir, "w.png")));
    }

    [Fact]
    public void Attached_report_is_rewritten_at_checkpoints_of_a_real_run()
    {
        string data = DemoData.Extract("pix2pix", Path.Combine(_root, "data"));
        string run = Path.Combine(_root, "real");
        var options = new TrainOptions(TrainMode.Pix2Pix, 32, 4, run, Ngf: 4, Ndf: 8, CheckpointEvery: 2, SampleEvery: 2,
            Prune: new PruneOptions(TargetRatio: 0.5));
        using var trainer = TrainingRuns.Start(options, data, Device.Cpu);
        var seen = new List<bool>();
        trainer.Log += line => { if (line.StartsWith("checkpoint at step 2:", StringComparison.Ordinal)) seen.Add(File.Exists(Path.Combine(run, "index.html"))); };
        var warnings = new List<string>();
        using (RunReport.Attach(trainer, warn: warnings.Add))
        {
            var report = trainer.Run();
            Assert.Equal([true], seen);
            Assert.Empty(warnings);
            Assert.Contains("step 2 of 4", File.ReadAllText(Path.Combine(run, "index.html")));
            Assert.True(File.Exists(Path.Combine(run, "samples", "step-0000002.png")));
            RunReport.Write(trainer, report);
        }
        string html = File.ReadAllText(Path.Combine(run, "index.html"));
        Assert.Contains("Finished: 4 steps", html);
        foreach (var src in ImageSources(html)) Assert.True(File.Exists(Path.Combine(run, Uri.UnescapeDataString(src))), src);
    }

    [ChromiumFact]
    public void Page_renders_in_headless_chromium_with_every_image_loaded()
    {
        string dir = Path.Combine(_root, "chromium run");
        RunReport.Write(Synthetic(dir, Report(dir)));
        string page = Path.Combine(dir, "index.html");

        // The DOM as Chromium built it, after load: a copy of the page with a script that records each image that did
        // not decode (the page itself has no script).
        string check = Path.Combine(dir, "dom-check.html");
        File.WriteAllText(check, File.ReadAllText(page).Replace("</body>",
            "<script>window.addEventListener('load', () => { const imgs = [...document.images]; document.body.setAttribute('data-images', imgs.length); " +
            "document.body.setAttribute('data-broken', imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')).join('|')); });</script></body>",
            StringComparison.Ordinal));
        var (code, dom) = RunChromium(dir, "--dump-dom", "--virtual-time-budget=10000", new Uri(check).AbsoluteUri);
        Assert.True(code == 0, dom);
        var images = Regex.Match(dom, "data-images=\"(\\d+)\"");
        Assert.True(images.Success, "no data-images attribute in Chromium's DOM:\n" + dom[..Math.Min(dom.Length, 2000)]);
        int count = int.Parse(images.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var broken = Regex.Match(dom, "data-broken=\"([^\"]*)\"").Groups[1].Value;
        output.WriteLine($"Chromium loaded {count} images; broken: '{broken}'");
        // 3 plots, the widths chart and 3 sample grids.
        Assert.Equal(7, count);
        Assert.Equal(ImageSources(File.ReadAllText(page)).Count, count);
        Assert.Equal("", broken);
        foreach (var src in ImageSources(dom)) Assert.True(File.Exists(Path.Combine(dir, Uri.UnescapeDataString(src))), src);

        string shot = Path.Combine(AppContext.BaseDirectory, "run-report-screenshot.png");
        if (File.Exists(shot)) File.Delete(shot);
        (code, string log) = RunChromium(dir, $"--screenshot={shot}", "--window-size=1200,1600", new Uri(page).AbsoluteUri);
        Assert.True(code == 0 && File.Exists(shot), log);
        using (var img = Image.Load<Rgb24>(shot)) Assert.Equal((1200, 1600), (img.Width, img.Height));
        var (colours, ink) = Look(shot);
        Assert.True(colours > 100 && ink > 0.05, $"screenshot {colours} colours, {ink:P1} ink");
        output.WriteLine($"screenshot: {shot}");
    }

    static (int Code, string Output) RunChromium(string workDir, params string[] args)
    {
        string profile = Directory.CreateTempSubdirectory("chromium-profile-").FullName;
        try
        {
            var psi = new ProcessStartInfo(ChromiumFactAttribute.Chromium)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir,
            };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}" }.Concat(args))
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000))
            {
                p.Kill(entireProcessTree: true);
                return (-1, "chromium did not finish in 120 s\n" + stderr.Result);
            }
            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { /* Chromium's helpers may still hold a file for a moment. */ }
        }
    }

    static List<string> ImageSources(string html) =>
        Regex.Matches(html, "<img[^>]*\\ssrc=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    [Fact]
    public void Info_prints_the_per_layer_table_full_against_compact()
    {
        string file = Path.Combine(_root, "compact.coronetgan");
        int[] widths = [5, 11, 21, 40, 42, 50, 22, 11, 6];
        using (var g = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 8, Widths: widths), Device.Cpu, seed: 1))
            Interchange.SaveModel(g, file);

        var layers = ModelLayers.Read(file, 64);
        var info = ModelInfo.Read(file, 64);
        Assert.Equal(info.Macs, layers.Sum(l => l.Macs));
        Assert.Equal(info.Params, layers.Sum(l => l.Params));
        using (var full = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 8), Device.Meta))
            Assert.Equal(Engine.Metrics.MacCounter.Count(full, 1, 3, 64, 64).Macs, layers.Sum(l => l.FullMacs));
        var first = layers[0];
        Assert.Equal(("model.model.0", "conv2d", 8, 5), (first.Layer, first.Op, first.FullWidth, first.Width));

        var (code, text, err) = CliRunner.Run("info", "--model", file, "--size", "64");
        Assert.True(code == 0, text + err);
        Assert.Contains("per layer", text);
        Assert.Matches(@"model\.model\.0\s+conv2d\s+8 -> 5", text);
        (code, text, err) = CliRunner.Run("info", "--model", file, "--size", "64", "--json");
        Assert.True(code == 0, text + err);
        using var doc = JsonDocument.Parse(text);
        var row = doc.RootElement.GetProperty("layers")[0];
        Assert.Equal(8, row.GetProperty("fullWidth").GetInt32());
        Assert.Equal(5, row.GetProperty("width").GetInt32());
    }
}
