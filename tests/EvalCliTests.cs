using System.Text.Json;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Tests;

/// <summary><c>coronetgan eval</c> and <see cref="GeneratorEvaluation"/> end to end on a random tiny generator and tiny folders.</summary>
public sealed class EvalCliTests : IDisposable
{
    readonly DataTestFolders _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>A random ResNet generator (ngf 4, one block) saved as a model file.</summary>
    string Generator(string name = "g.safetensors", int inputChannels = 3, int? imageSize = null)
    {
        string path = Path.Combine(_tmp.Root, name);
        using var g = new ResnetGenerator(new ResnetGeneratorConfig(InputChannels: inputChannels, Ngf: 4, Blocks: 1), Device.Cpu, seed: 3);
        Interchange.SaveModel(g, path, imageSize);
        return path;
    }

    /// <summary>DIR/test with the first <paramref name="n"/> demo pix2pix test pairs (A|B side by side, 128 x 64).</summary>
    string Aligned(int n, string name = "aligned")
    {
        string test = _tmp.Dir(Path.Combine(name, "test"));
        foreach (var f in Directory.GetFiles(Path.Combine(SharedFiles.RepoRoot, "data", "openmoji-pairs", "test"), "*.png").Order(StringComparer.Ordinal).Take(n))
            File.Copy(f, Path.Combine(test, Path.GetFileName(f)));
        return Path.Combine(_tmp.Root, name);
    }

    [Fact]
    public void EvalPrintsFidAndKidOfAnAlignedSplit()
    {
        string model = Generator(), data = Aligned(6);
        var (code, output, err) = Run("eval", "--model", model, "--data", data, "--size", "32", "--device", "cpu");
        Assert.True(code == 0, output + err);
        Assert.Matches(@"FID \(ResNet-18\): \d+\.\d\d", output);
        Assert.Matches(@"KID \(ResNet-18\): -?\d+\.\d+ ± \d+\.\d+", output);
        Assert.Contains("6 translated, 6 real, at 32x32", output);
        Assert.Contains("not Inception-v3", output);

        (code, output, err) = Run("eval", "--model", model, "--data", data, "--size", "32", "--device", "cpu", "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("fidResNet18").GetDouble() > 0);
        Assert.True(double.IsFinite(r.GetProperty("kidResNet18Mean").GetDouble()));
        Assert.Equal(0, r.GetProperty("kidResNet18Std").GetDouble()); // 6 images: every subset is the whole set
        Assert.Equal(6, r.GetProperty("count").GetInt32());
        Assert.Equal(6, r.GetProperty("realCount").GetInt32());
        Assert.Equal("aligned", r.GetProperty("layout").GetString());
        Assert.Equal(32, r.GetProperty("size").GetInt32());
        Assert.Equal("option", r.GetProperty("sizeSource").GetString());
    }

    [Fact]
    public void ApiResultIsDeterministicAndFollowsTheDirection()
    {
        string model = Generator(), data = Aligned(5);
        using var features = ImageFeatures.Open();
        var options = new EvaluationOptions { Size = 32, Features = features };
        var first = GeneratorEvaluation.Evaluate(model, data, "cpu", options);
        var second = GeneratorEvaluation.Evaluate(model, data, "cpu", options);
        Assert.Equal(first.FidResNet18, second.FidResNet18);
        Assert.Equal(first.KidResNet18Mean, second.KidResNet18Mean);
        Assert.Equal(DatasetLayout.Aligned, first.Layout);
        Assert.True(first.FeatureMsPerImage > 0 && first.TranslateMsPerImage > 0);

        // BtoA translates the B halves and compares with the A halves: other numbers.
        var back = GeneratorEvaluation.Evaluate(model, data, "cpu", options with { Direction = "BtoA" });
        Assert.NotEqual(first.FidResNet18, back.FidResNet18);
    }

    [Fact]
    public void EvalReadsAnUnalignedSplitAndTheTrainedSizeFromTheModelFile()
    {
        string model = Generator("compact.safetensors", imageSize: 32);
        string data = _tmp.Dir("unaligned");
        foreach (var side in new[] { "A", "B" })
        {
            string dir = _tmp.Dir(Path.Combine("unaligned", "test" + side));
            foreach (var f in Directory.GetFiles(Path.Combine(SharedFiles.RepoRoot, "data", "emoji-skintone", "test" + side), "*.png").Order(StringComparer.Ordinal).Take(side == "A" ? 4 : 5))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        var (code, output, err) = Run("eval", "--model", model, "--data", data, "--device", "cpu", "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal("unaligned", r.GetProperty("layout").GetString());
        Assert.Equal(4, r.GetProperty("count").GetInt32());
        Assert.Equal(5, r.GetProperty("realCount").GetInt32());
        Assert.Equal(32, r.GetProperty("size").GetInt32());
        Assert.Equal("model file", r.GetProperty("sizeSource").GetString());
        Assert.Contains("data:", err); // progress goes to standard error with --json
    }

    [Fact]
    public void GrayscaleAndTransparentImagesAreDecodedToRgbAsInTraining()
    {
        // The engine's decoder turns every file into RGB (gray replicated, alpha composited on white), so such files
        // are valid inputs to a 3-channel generator rather than a channel mismatch.
        string data = Aligned(3);
        string test = Path.Combine(data, "test");
        using (var gray = new Image<L8>(64, 32))
        {
            for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) gray[x, y] = new L8((byte)(x * 3 + y));
            gray.SaveAsPng(Path.Combine(test, "gray.png"));
        }
        using (var rgba = new Image<Rgba32>(64, 32))
        {
            for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) rgba[x, y] = new Rgba32((byte)(x * 4), (byte)y, 90, (byte)(x < 32 ? 128 : 255));
            rgba.SaveAsPng(Path.Combine(test, "rgba.png"));
        }
        var (code, output, err) = Run("eval", "--model", Generator(), "--data", data, "--size", "32", "--device", "cpu");
        Assert.True(code == 0, output + err);
        Assert.Contains("5 translated, 5 real", output);
    }

    [Fact]
    public void WrongModelFilesAreRefusedByName()
    {
        string data = Aligned(3);
        string disc = Path.Combine(_tmp.Root, "d.safetensors");
        using (var d = new PatchGanDiscriminator(new PatchGanConfig(Ndf: 4, Layers: 1), Device.Cpu))
            Interchange.SaveModel(d, disc);
        AssertFails(["--model", disc, "--data", data], disc, "not a generator");

        string foreign = Path.Combine(_tmp.Root, "pytorch.safetensors");
        using (var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 1), Device.Cpu))
            Interchange.ExportPyTorch(g, foreign);
        AssertFails(["--model", foreign, "--data", data], foreign, "not a CoroNetGAN model file");

        string junk = Path.Combine(_tmp.Root, "junk.safetensors");
        File.WriteAllText(junk, "this is not a model");
        AssertFails(["--model", junk, "--data", data], junk, "");

        string missing = Path.Combine(_tmp.Root, "missing.safetensors");
        AssertFails(["--model", missing, "--data", data], missing, "does not exist");

        string gray = Generator("gray.safetensors", inputChannels: 1);
        AssertFails(["--model", gray, "--data", data], gray, "1-channel");

        using (var u = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 6, Ngf: 4), Device.Cpu))
            Interchange.SaveModel(u, Path.Combine(_tmp.Root, "unet.safetensors"));
        AssertFails(["--model", Path.Combine(_tmp.Root, "unet.safetensors"), "--data", data, "--size", "48"], "unet.safetensors", "multiple of 64");
    }

    [Fact]
    public void BadFoldersAreRefusedByName()
    {
        string model = Generator();
        string empty = _tmp.Dir("empty");
        _tmp.Dir(Path.Combine("empty", "test"));
        File.WriteAllText(Path.Combine(_tmp.Root, "empty", "test", "README.md"), "no images here");
        AssertFails(["--model", model, "--data", empty], Path.Combine(_tmp.Root, "empty", "test"), "holds no images");

        string noSplit = _tmp.Dir("no-split");
        _tmp.Dir(Path.Combine("no-split", "train"));
        AssertFails(["--model", model, "--data", noSplit], noSplit, "no test split");

        string missing = Path.Combine(_tmp.Root, "not-there");
        AssertFails(["--model", model, "--data", missing], missing, "does not exist");

        string one = Aligned(1, "one");
        AssertFails(["--model", model, "--data", one], "test", "at least 2 images");

        string broken = Aligned(2, "broken");
        File.WriteAllText(Path.Combine(broken, "test", "zz.png"), "not a png");
        AssertFails(["--model", model, "--data", broken], Path.Combine(broken, "test", "zz.png"), "");

        AssertFails(["--model", model, "--data", Aligned(2, "layout"), "--layout", "sideways"], "--layout", "");
    }

    [Fact]
    public void MissingFeaturizerFilesAreNamed()
    {
        string dir = _tmp.Dir("no-models");
        AssertFails(["--model", Generator(), "--data", Aligned(2), "--featurizer-models", dir],
            Path.Combine(dir, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), "Microsoft.ML.DnnImageFeaturizer.ResNet18");
    }

    static void AssertFails(string[] args, string named, string says)
    {
        string[] size = args.Contains("--size") ? [] : ["--size", "32"];
        var (code, output, err) = Run(["eval", "--device", "cpu", .. size, .. args]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.Contains(named, err);
        Assert.Contains(says, err);
    }
}
