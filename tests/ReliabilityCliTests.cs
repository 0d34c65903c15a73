using System.Text;
using SixLabors.ImageSharp;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// Issue #15: a user's files are never overwritten, and nothing a user can type or hand over ends in a stack trace;
/// every bad input is exit 2 with a message that names it.
/// </summary>
public class ReliabilityCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>A tiny ResNet generator model file (ngf 4), translating at 32 px.</summary>
    internal static string TinyModel(string dir, string name = "g.safetensors")
    {
        string path = Path.Combine(dir, name);
        using var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 6), Device.Cpu, seed: 3);
        Interchange.SaveModel(g, path, imageSize: 32);
        return path;
    }

    /// <summary>A safetensors file with <paramref name="header"/> as its JSON header and <paramref name="data"/> after it.</summary>
    internal static string RawSafetensors(string path, byte[] header, byte[]? data = null)
    {
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((ulong)header.Length));
        f.Write(header);
        if (data != null) f.Write(data);
        return path;
    }

    static void AssertUserError((int Code, string Out, string Err) r, params string[] mentions)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}\n{r.Out}\n{r.Err}");
        Assert.DoesNotContain("   at ", r.Err);
        foreach (var m in mentions) Assert.True(r.Err.Contains(m, StringComparison.Ordinal), $"stderr should mention '{m}':\n{r.Err}");
    }

    static string[] Train(string data, string run, params string[] extra) =>
        ["train", "--mode", "pix2pix", "--data", data, "--out", run, .. extra.Contains("--size") ? Array.Empty<string>() : ["--size", "32"],
            "--ngf", "4", "--ndf", "8", "--device", "cpu", .. extra];

    [Fact]
    public void TranslateRefusesItsInputFolderAndExistingFilesAndKeepsCollidingNamesApart()
    {
        using var tmp = new GoldenCases.TempDir();
        string model = TinyModel(tmp.Path);
        string imgs = Directory.CreateDirectory(tmp.File("imgs")).FullName;
        DataTestFolders.WritePng(Path.Combine(imgs, "a.png"), 20, 20, (x, y) => new(10, 20, 30));
        DataTestFolders.WritePng(Path.Combine(imgs, "a.bmp.tmp.png"), 20, 20, (x, y) => new(1, 2, 3));
        using (var bmp = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(20, 20)) bmp.SaveAsBmp(Path.Combine(imgs, "a.bmp"));
        byte[] original = File.ReadAllBytes(Path.Combine(imgs, "a.png"));

        AssertUserError(Run("translate", "--model", model, "--input", imgs, "--output", imgs, "--device", "cpu"), "is the input");
        AssertUserError(Run("translate", "--model", model, "--input", Path.Combine(imgs, "a.png"), "--output", tmp.Path, "--device", "cpu"), "holds the input");
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(imgs, "a.png")));

        string outDir = tmp.File("out");
        var r = Run("translate", "--model", model, "--input", imgs, "--output", outDir, "--device", "cpu");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.True(File.Exists(Path.Combine(outDir, "a_png.png")));
        Assert.True(File.Exists(Path.Combine(outDir, "a_bmp.png")));
        Assert.Equal(3, Directory.GetFiles(outDir).Length);

        AssertUserError(Run("translate", "--model", model, "--input", imgs, "--output", outDir, "--device", "cpu"), "already exist", "--overwrite");
        r = Run("translate", "--model", model, "--input", imgs, "--output", outDir, "--device", "cpu", "--overwrite");
        Assert.True(r.Code == 0, r.Out + r.Err);
    }

    [Fact]
    public void ExportAndImportRefuseToWriteOntoTheirInput()
    {
        using var tmp = new GoldenCases.TempDir();
        string model = TinyModel(tmp.Path);
        byte[] before = File.ReadAllBytes(model);
        AssertUserError(Run("export", "--model", model, "--onnx", model), "--onnx", "destroy");
        AssertUserError(Run("export", "--model", model, "--pytorch", model), "--pytorch", "destroy");
        AssertUserError(Run("import", "--pytorch", model, "--arch", "resnet", "--out", model), "--out", "destroy");
        Assert.Equal(before, File.ReadAllBytes(model));
        var r = Run("export", "--model", model, "--pytorch", tmp.File("pt.safetensors"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public void SafetensorsHeadersWithBadUtf8OrOverflowingShapesAreExit2()
    {
        using var tmp = new GoldenCases.TempDir();
        byte[] bad = [.. Encoding.UTF8.GetBytes("{\"w"), 0xff, 0xfe, .. Encoding.UTF8.GetBytes("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")];
        string utf = RawSafetensors(tmp.File("utf.safetensors"), bad, new byte[4]);
        foreach (var args in new[] {
            new[] { "info", "--model", utf },
            new[] { "translate", "--model", utf, "--input", utf, "--output", tmp.File("o"), "--device", "cpu" },
            new[] { "export", "--model", utf, "--onnx", tmp.File("x.onnx") },
            new[] { "import", "--pytorch", utf, "--arch", "resnet9", "--out", tmp.File("x.safetensors") } })
            AssertUserError(Run(args), "UTF-8", utf);

        string overflow = RawSafetensors(tmp.File("overflow.safetensors"),
            Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,0]}}"));
        AssertUserError(Run("info", "--model", overflow), "overflows", "'w'");
        string wraps = RawSafetensors(tmp.File("wraps.safetensors"),
            Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824,4],\"data_offsets\":[0,0]}}"));
        AssertUserError(Run("info", "--model", wraps), "overflows", "'w'");
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedByTensorName()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = ReliabilityDocTests.NanModel(TinyModel(tmp.Path), tmp.File("nan.safetensors"));
        AssertUserError(Run("translate", "--model", path, "--input", path, "--output", tmp.File("o"), "--device", "cpu"), "model.4.weight", "NaN", "element 5");
    }

    [Fact]
    public void ImageSizesAreBounded()
    {
        using var tmp = new GoldenCases.TempDir();
        string model = TinyModel(tmp.Path);
        string img = DataTestFolders.WritePng(tmp.File("a.png"), 8, 8, (x, y) => new(1, 2, 3));
        AssertUserError(Run("translate", "--model", model, "--input", img, "--output", tmp.File("o"), "--size", "16384", "--device", "cpu"), "16384", "4096");
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        AssertUserError(Run(Train(data, tmp.File("r1"), "--steps", "2", "--size", "100000")), "100000");
        AssertUserError(Run(Train(data, tmp.File("r2"), "--steps", "2", "--load-size", "100000")), "100000", "--load-size");
        AssertUserError(Run("eval", "--model", model, "--data", data, "--size", "100000", "--device", "cpu"), "100000");
    }

    [Fact]
    public void LambdaIsBoundedAndTheTwoTargetsExcludeEachOther()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        AssertUserError(Run(Train(data, tmp.File("r"), "--steps", "2", "--lambda", "1e30")), "--lambda", "1E+30");
        AssertUserError(Run(Train(data, tmp.File("r"), "--steps", "2", "--target-ratio", "0.5", "--target-gmacs", "0.1")), "--target-ratio", "--target-gmacs");
    }

    [Fact]
    public void TrainRefusesAnotherRunsFolderAndLocksItsOwn()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        string run = tmp.File("run");
        var r = Run(Train(data, run, "--steps", "4", "--checkpoint-every", "2"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        byte[] history = File.ReadAllBytes(Path.Combine(run, "history.json"));
        AssertUserError(Run(Train(data, run, "--steps", "2")), "already holds", "--resume", "--overwrite");
        Assert.Equal(history, File.ReadAllBytes(Path.Combine(run, "history.json")));

        // A live holder (this process) is named; a dead one's lock is taken over.
        using (var held = RunLock.Acquire(run))
            AssertUserError(Run(Train(data, run, "--steps", "6", "--resume")), "in use", $"pid {Environment.ProcessId}");
        File.WriteAllText(Path.Combine(run, RunLock.FileName),
            $"{{\"pid\":{int.MaxValue - 7},\"host\":\"{Environment.MachineName}\",\"started\":\"2020-01-01T00:00:00Z\",\"processStarted\":null}}");
        string leftover = Path.Combine(run, $".history.json.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(leftover, "partial");
        r = Run(Train(data, run, "--steps", "6", "--resume"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("taking over the lock", r.Out);
        Assert.Contains("--steps: 4 -> 6", r.Out);
        Assert.False(File.Exists(leftover));
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));

        r = Run(Train(data, run, "--steps", "2", "--overwrite"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Equal("checkpoint-00000002.safetensors", Path.GetFileName(Trainer.Checkpoints(run)[^1]));

        string file = tmp.File("a-file");
        File.WriteAllText(file, "mine");
        AssertUserError(Run(Train(data, file, "--steps", "2")), "is a file");
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void ResumeRefusesFixedChangesListingEachAndAppliesTheOthers()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        string cdata = DemoData.Extract("cyclegan", tmp.File("cdata"));
        string run = tmp.File("run");
        var r = Run(Train(data, run, "--steps", "2", "--checkpoint-every", "1"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        AssertUserError(Run(Train(data, run, "--steps", "4", "--resume", "--size", "64", "--target-ratio", "0.3", "--lambda", "0.2")),
            "--size: 32 -> 64", "--target-ratio: 0.5 -> 0.3", "--lambda: 0.1 -> 0.2");
        AssertUserError(Run("train", "--mode", "cyclegan", "--data", cdata, "--out", run, "--steps", "4", "--resume", "--device", "cpu"),
            "--mode: pix2pix -> cyclegan");
        r = Run(Train(data, run, "--steps", "3", "--resume", "--sample-every", "1"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("--steps: 2 -> 3", r.Out);
        Assert.Contains("--sample-every: 500 -> 1", r.Out);
    }

    [Fact]
    public void SkipBadImagesSaysWhatItSkipped()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        File.WriteAllText(Path.Combine(data, "train", "broken.png"), "not a png");
        var r = Run(Train(data, tmp.File("run"), "--steps", "1", "--skip-bad-images"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("broken.png", r.Out + r.Err);
    }

    [Fact]
    public void UsageErrorsAreExit2AndCrashesAreOneLine()
    {
        AssertUserError(Run("train", "--no-such-option"), "--no-such-option");
        AssertUserError(Run("translate", "--size", "abc"), "abc");
        // A value that is not of the option's type is named in words, not as a .NET type.
        foreach (var (option, expected) in new[] { ("--size", "as a whole number"), ("--target-ratio", "as a number"), ("--finetune-distill", "as a number") })
        {
            var bad = Run("train", option, "abc");
            AssertUserError(bad, $"Cannot parse argument 'abc' for option '{option}' {expected}");
            Assert.DoesNotContain("System.", bad.Err);
        }
        Assert.Equal(2, Run("no-such-command").Code);
        using var sw = new StringWriter();
        Assert.Equal(1, CoroNetGAN.Cli.CliErrors.ReportTo(new InvalidOperationException("boom"), false, sw));
        Assert.Single(sw.ToString().Trim().Split('\n'));
        Assert.Contains("--verbose", sw.ToString());
    }

    [Fact]
    public void VagueMessagesNowNameTheProblem()
    {
        using var tmp = new GoldenCases.TempDir();
        string model = TinyModel(tmp.Path);
        string pt = tmp.File("pt.safetensors");
        Assert.Equal(0, Run("export", "--model", model, "--pytorch", pt).Code);
        var file = SafeTensorsFile.Read(pt);
        string cut = tmp.File("cut.safetensors");
        SafeTensorsFile.Write(cut, new SafeTensorsFile(file.Names.Where(n => n != "model.1.weight").Select(n => new KeyValuePair<string, SafeTensor>(n, file[n])), file.Metadata));
        var r = Run("import", "--pytorch", cut, "--arch", "resnet6", "--out", tmp.File("m.coronetgan"));
        AssertUserError(r, "'model.1.weight'", "--ngf", "--input-nc");
        Assert.True(r.Err.Split('\n').Length < 5, r.Err);

        string renamed = tmp.File("g.coronetgan");
        File.Copy(model, renamed);
        r = Run("bench", "--widths", renamed, "--size", "32", "--iters", "1", "--device", "cpu");
        Assert.True(r.Code == 0, r.Out + r.Err);
        r = Run("bench", "--arch", "resnet9", "--ngf", "4", "--widths", "[4,8,16,16,16,16,16,16,16,16,16,16,8,4]", "--size", "32", "--iters", "1", "--device", "cpu");
        Assert.True(r.Code == 0, r.Out + r.Err);

        string caseDir = Directory.CreateDirectory(tmp.File("case")).FullName;
        File.WriteAllText(Path.Combine(caseDir, "case.json"), "{\"architecture\": 5}");
        AssertUserError(Run("parity", "--case", caseDir), Path.Combine(caseDir, "case.json"));
    }
}
