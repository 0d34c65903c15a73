using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Tests;

/// <summary>The public <see cref="Generator"/> API: loading, translating images, batches, raw arrays and folders, and its errors.</summary>
public sealed class GeneratorApiTests : IDisposable
{
    readonly DataTestFolders _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A random-init compact ResNet (narrower widths) saved with a recorded training size.</summary>
    string SaveResnet(string name, int? imageSize, int seed)
    {
        int[] widths = [4, 6, 8, 3, 4, 5, 6, 7, 8, 2, 3, 4, 6, 4];
        using var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: 6, Widths: widths[..11]), Device.Cpu, seed);
        string path = Path.Combine(_dir.Root, name);
        Interchange.SaveModel(g, path, imageSize);
        return path;
    }

    static Image<Rgb24> RandomImage(Random r, int w, int h)
    {
        var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgb24((byte)r.Next(256), (byte)r.Next(256), (byte)r.Next(256));
        return image;
    }

    /// <summary>The engine's own forward pass on the same model file: the reference the API must reproduce.</summary>
    static float[] Reference(string path, float[] chw, int size)
    {
        using var m = ModelFile.Load(path, Device.Cpu);
        m.Eval();
        using var scope = Tape.NoGrad();
        return m.Forward(Tensor.FromArray(Device.Cpu, chw, 1, 3, size, size)).ToArray();
    }

    [Fact]
    public void TranslatesAnImageAsTheEngineDoesAtTheRecordedSize()
    {
        var r = new Random(TestRandom.Seed(nameof(TranslatesAnImageAsTheEngineDoesAtTheRecordedSize)));
        string path = SaveResnet("g.safetensors", 32, r.Next());
        Assert.Equal(32, ModelFile.ReadImageSize(path));
        using var g = Generator.Load(path, "cpu");
        Assert.Equal(32, g.ImageSize);
        Assert.Equal(3, g.InputChannels);
        Assert.Contains("ResnetGenerator", g.Description);
        using var image = RandomImage(r, 45, 37);
        using var output = g.Translate(image);
        Assert.Equal((32, 32), (output.Width, output.Height));
        var expected = ImageIO.ToImage(Reference(path, ImageIO.ToChw(image, 32), 32), 32, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                Assert.Equal(expected[x, y], output[x, y]);
        using var kept = g.Translate(image, keepSize: true);
        Assert.Equal((45, 37), (kept.Width, kept.Height));
    }

    [Fact]
    public void ABatchMatchesOneByOneAndRawArraysRoundTrip()
    {
        var r = new Random(TestRandom.Seed(nameof(ABatchMatchesOneByOneAndRawArraysRoundTrip)));
        string path = SaveResnet("g.safetensors", null, r.Next());
        Assert.Null(ModelFile.ReadImageSize(path));
        using var g = Generator.Load(path, Device.Cpu, imageSize: 16);
        var images = Enumerable.Range(0, 3).Select(_ => RandomImage(r, 16, 16)).ToArray();
        var batch = g.Translate(images);
        for (int i = 0; i < images.Length; i++)
        {
            var single = g.Translate(ImageIO.ToChw(images[i], 16), 1, 16, 16);
            var fromBatch = ImageIO.ToChw(batch[i], 16);
            var singleImage = ImageIO.ToChw(ImageIO.ToImage(single, 16, 16), 16);
            Assert.Equal(singleImage, fromBatch);
            Assert.Equal(Reference(path, ImageIO.ToChw(images[i], 16), 16), single);
        }
        foreach (var im in images.Concat(batch)) im.Dispose();
    }

    [Fact]
    public void ConcurrentCallersGetTheSerialResults()
    {
        var r = new Random(TestRandom.Seed(nameof(ConcurrentCallersGetTheSerialResults)));
        string path = SaveResnet("g.safetensors", 16, r.Next());
        using var g = Generator.Load(path, "cpu");
        var inputs = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var serial = inputs.Select(x => g.Translate(x, 1, 16, 16)).ToArray();
        var parallel = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = g.Translate(inputs[i], 1, 16, 16));
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(serial[i], parallel[i]);
    }

    [Fact]
    public void TranslatesAFolderInOrderAndNamesABadFile()
    {
        var r = new Random(TestRandom.Seed(nameof(TranslatesAFolderInOrderAndNamesABadFile)));
        string path = SaveResnet("g.safetensors", 16, r.Next());
        string input = _dir.Dir("in");
        for (int i = 0; i < 5; i++) DataTestFolders.WriteTextured(Path.Combine(input, $"im{i}.png"), 20, 20, r.Next(100));
        File.WriteAllText(Path.Combine(input, "README.md"), "not an image");
        using var g = Generator.Load(path, "cpu");
        var seen = new List<TranslatedFile>();
        var written = g.TranslateFiles(input, _dir.Dir("out"), batchSize: 2, progress: new ListProgress(seen));
        Assert.Equal(5, written.Count);
        Assert.Equal(Enumerable.Range(1, 5), seen.Select(s => s.Done));
        Assert.All(written, f => Assert.True(File.Exists(f)));
        // The batch of two gives what one image alone gives.
        using (var one = Image.Load<Rgb24>(Path.Combine(input, "im3.png")))
        using (var alone = g.Translate(one))
        using (var fromFolder = Image.Load<Rgb24>(written[3]))
            Assert.Equal(ImageIO.ToChw(alone, 16), ImageIO.ToChw(fromFolder, 16));

        File.WriteAllBytes(Path.Combine(input, "im9.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var bad = Assert.Throws<BadImageException>(() => g.TranslateFiles(input, _dir.Dir("out2")));
        Assert.Contains("im9.png", bad.Message);
        var empty = Assert.Throws<ArgumentException>(() => g.TranslateFiles(_dir.Dir("empty"), _dir.Dir("out3")));
        Assert.Contains("holds no images", empty.Message);
        Assert.Throws<FileNotFoundException>(() => g.TranslateFiles(Path.Combine(_dir.Root, "missing"), _dir.Dir("out4")));
    }

    [Fact]
    public void BadModelsSizesAndShapesAreNamed()
    {
        var r = new Random(TestRandom.Seed(nameof(BadModelsSizesAndShapesAreNamed)));
        string missing = Path.Combine(_dir.Root, "none.safetensors");
        Assert.Contains("none.safetensors", Assert.Throws<FileNotFoundException>(() => Generator.Load(missing, "cpu")).Message);

        string disc = Path.Combine(_dir.Root, "d.safetensors");
        using (var d = new PatchGanDiscriminator(new PatchGanConfig(Ndf: 8), Device.Cpu, r.Next())) Interchange.SaveModel(d, disc);
        var notGen = Assert.Throws<ArgumentException>(() => Generator.Load(disc, "cpu"));
        Assert.Contains("not a generator", notGen.Message);

        string weights = Path.Combine(_dir.Root, "w.safetensors");
        using (var g0 = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 6), Device.Cpu, r.Next())) Interchange.ExportPyTorch(g0, weights);
        Assert.Contains("not a CoroNetGAN model file", Assert.Throws<InvalidDataException>(() => Generator.Load(weights, "cpu")).Message);

        string unet = Path.Combine(_dir.Root, "u.safetensors");
        using (var u = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 4), Device.Cpu, r.Next())) Interchange.SaveModel(u, unet);
        using (var ug = Generator.Load(unet, "cpu")) Assert.Equal(256, ug.ImageSize);
        Assert.Contains("not a positive multiple of 32", Assert.Throws<ArgumentException>(() => Generator.Load(unet, "cpu", 48)).Message);

        string gray = Path.Combine(_dir.Root, "gray.safetensors");
        using (var g1 = new ResnetGenerator(new ResnetGeneratorConfig(InputChannels: 1, Ngf: 4, Blocks: 6), Device.Cpu, r.Next())) Interchange.SaveModel(g1, gray);
        using var grayGen = Generator.Load(gray, "cpu", 16);
        using var rgb = RandomImage(r, 16, 16);
        Assert.Contains("1-channel", Assert.Throws<ArgumentException>(() => grayGen.Translate(rgb)).Message);
        var wrongChannels = Assert.Throws<ArgumentException>(() => grayGen.Translate(new float[3 * 16 * 16], 1, 16, 16));
        Assert.Contains("that is 3 channels", wrongChannels.Message);
        Assert.Equal(3 * 16 * 16, grayGen.Translate(Enumerable.Range(0, 256).Select(i => (float)Math.Sin(i)).ToArray(), 1, 16, 16).Length);
    }

    sealed class ListProgress(List<TranslatedFile> list) : IProgress<TranslatedFile>
    {
        public void Report(TranslatedFile value) => list.Add(value);
    }
}
