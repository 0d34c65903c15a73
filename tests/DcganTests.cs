using System.Text.Json;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using CoroNetGAN.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace CoroNetGAN.Tests;

/// <summary>
/// DCGAN, the third generator family, added through the registry: shapes and PyTorch's keys, model files, MACs, ONNX
/// export, training on every test device, and the search reaching its MAC target.
/// </summary>
public sealed class DcganTests : IDisposable
{
    readonly GoldenCases.TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static Tensor Noise(Device device, int n, int seed = 1) => Tensor.RandomNormal(device, seed, 0f, 1f, n, DcganFamily.DefaultNz, 1, 1);

    [Theory]
    [InlineData(64, new[] { 64, 32, 16, 8 })]
    [InlineData(32, new[] { 32, 16, 8 })]
    public void GeneratorAndDiscriminatorHaveTheExampleShapesAndKeys(int size, int[] widths)
    {
        using var g = new DcganGenerator(new DcganGeneratorConfig(Ngf: 8, ImageSize: size), Device.Cpu, seed: 1);
        using var d = new DcganDiscriminator(new DcganDiscriminatorConfig(Ndf: 8, ImageSize: size), Device.Cpu, seed: 2);
        Assert.Equal(widths, g.Widths);
        using var scope = Tape.NoGrad();
        var y = g.Forward(Noise(Device.Cpu, 2));
        Assert.Equal(new[] { 2, 3, size, size }, y.Dims);
        Assert.All(y.ToArray(), v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(new[] { 2, 1, 1, 1 }, d.Forward(y).Dims);
        // PyTorch's examples/dcgan netG: ConvTranspose2d(nz, ngf*2^(D-1), 4, 1, 0, bias=False), BatchNorm2d, ReLU, ...
        var keys = StateDict.Keys(g).ToDictionary(k => k.Key, k => k.Shape.ToArray());
        Assert.Equal(new[] { 100, widths[0], 4, 4 }, keys["main.0.weight"]);
        Assert.Equal(new[] { widths[0] }, keys["main.1.running_mean"]);
        Assert.Equal(new[] { 8, 3, 4, 4 }, keys[$"main.{3 * widths.Length}.weight"]);
        Assert.DoesNotContain(keys.Keys, k => k.EndsWith(".bias", StringComparison.Ordinal) && k.StartsWith("main.0.", StringComparison.Ordinal));
        var dkeys = StateDict.Keys(d).ToDictionary(k => k.Key, k => k.Shape.ToArray());
        Assert.False(dkeys.ContainsKey("main.1.running_mean"), "the first discriminator layer has no BatchNorm");
        Assert.Equal(new[] { 16 }, dkeys["main.3.running_mean"]);
        Assert.Contains("expects noise", Assert.Throws<ArgumentException>(() => g.Forward(Tensor.Zeros(Device.Cpu, 1, 3, size, size))).Message);
    }

    [Fact]
    public void RegistryFindsTheFamilyByNameTypeAndFileAndAPrunedModelRoundTrips()
    {
        var family = GeneratorFamilies.ByName("dcgan32")!;
        Assert.IsType<DcganFamily>(family);
        Assert.Same(family, GeneratorFamilies.ByArchitecture("DcganGenerator"));
        Assert.Same(family, GeneratorFamilies.For(GeneratorArch.Dcgan));
        using var g = (DcganGenerator)family.Build(new GeneratorSpec(100, 3, 8, 3, NormKind.Batch, false, [20, 9, 5]), Device.Cpu, seed: 4);
        Assert.Same(family, GeneratorFamilies.Of(g));
        Assert.Equal(32, g.Config.ImageSize);
        string path = _tmp.File("g.safetensors");
        ModelFile.Save(g, path, imageSize: 32);
        using var loaded = ModelFile.Load(path, Device.Cpu);
        var back = Assert.IsType<DcganGenerator>(loaded);
        Assert.Equal(new[] { 20, 9, 5 }, back.Widths);
        g.Eval(); back.Eval();
        using var scope = Tape.NoGrad();
        var z = Noise(Device.Cpu, 2);
        Assert.Equal(g.Forward(z).ToArray(), back.Forward(z).ToArray());
        // Not a translator: the API says what it is instead of failing on shapes.
        var e = Assert.Throws<ArgumentException>(() => CoroNetGAN.Generator.Load(path, "cpu"));
        Assert.Contains("generator from noise", e.Message);
        Assert.Contains("DcganGenerator", e.Message);
    }

    [Fact]
    public void APyTorchStateDictImportsWithItsStagesAndWidthsReadFromTheKeys()
    {
        using var g = new DcganGenerator(new DcganGeneratorConfig(Ngf: 8, ImageSize: 32, Widths: [30, 12, 7]), Device.Cpu, seed: 9);
        string path = _tmp.File("netG.safetensors");
        Interchange.ExportPyTorch(g, path);
        using var imported = Interchange.ImportPyTorch(path, "dcgan", Device.Cpu);
        var back = Assert.IsType<DcganGenerator>(imported);
        Assert.Equal(32, back.Config.ImageSize);
        Assert.Equal(new[] { 30, 12, 7 }, back.Widths);
        var e = Assert.Throws<ArgumentException>(() => Interchange.ImportPyTorch(path, "dcgan64", Device.Cpu));
        Assert.Contains("--arch dcgan64 has 4 stages but the file has 3", e.Message);
    }

    [Fact]
    public void MacsCountTheTransposedConvsFromTheirInputAndAPrunedGeneratorCostsLess()
    {
        var report = Architectures.CountMacs("dcgan32", width: 8);
        // nz 100 -> 32 at 1x1 (k 4), 32 -> 16 at 4x4, 16 -> 8 at 8x8, 8 -> 3 at 16x16; each input pixel meets k*k*out weights.
        long expected = 100L * 32 * 16 * 1 + 32L * 16 * 16 * 16 + 16L * 8 * 16 * 64 + 8L * 3 * 16 * 256;
        Assert.Equal(expected, report.Layers.Where(l => l.Op == "conv_transpose2d").Sum(l => l.TrueMacs));
        var pruned = Architectures.CountMacs("dcgan32", width: 8, widths: [16, 8, 4]);
        Assert.True(pruned.Macs < report.Macs / 2, $"{pruned.Macs} vs {report.Macs}");
        Assert.Contains("dcgan64", Architectures.Names);
    }

    [Fact]
    public void OnnxExportMatchesTheEngine()
    {
        using var g = new DcganGenerator(new DcganGeneratorConfig(Ngf: 8, ImageSize: 32, Widths: [30, 12, 7]), Device.Cpu, seed: 6);
        // Running statistics away from 0 and 1, so the export's BatchNormalization inputs are checked.
        using (Tape.NoGrad())
            for (int i = 0; i < 5; i++) g.Forward(Noise(Device.Cpu, 4, seed: 10 + i)).Dispose();
        g.Eval();
        var bytes = OnnxExport.ToBytes(g);
        using var session = new InferenceSession(bytes);
        var model = Onnx.Proto.ModelProto.Parser.ParseFrom(bytes);
        Assert.Contains("noise [N, 100, 1, 1]", model.Graph.DocString);
        foreach (int n in new[] { 1, 3 })
        {
            using var z = Noise(Device.Cpu, n, seed: 40 + n);
            var x = z.ToArray();
            var expected = OnnxExportTests.EngineForward(g, x, [n, 100, 1, 1]);
            var (actual, shape) = OnnxExportTests.OrtForward(session, x, [n, 100, 1, 1]);
            Assert.Equal(new long[] { n, 3, 32, 32 }, shape);
            Close.Check($"dcgan onnx batch {n}", expected, actual, 1e-4);
        }
    }

    static TrainOptions Dcgan(string dir, int steps, bool noPrune) => new(
        TrainMode.Dcgan, Size: 16, TotalSteps: steps, OutputDirectory: dir, Ngf: 8, Ndf: 4, Seed: 7, BatchSize: 2, NoPrune: noPrune,
        Prune: new PruneOptions(TargetRatio: 0.4, Lambda: 50f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 1));

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    [Trait(TestDevices.Trait, TestDevices.Every)]
    public void TrainsAFewStepsWithFiniteLossesAndFixedNoiseSamples(string device)
    {
        var o = Dcgan(_tmp.File("run-" + device), steps: 3, noPrune: true) with { SampleEvery = 3 };
        var progress = new List<TrainProgress>();
        var samples = new List<TrainSample>();
        using var t = Trainer.Create(o, new SyntheticImages(5, 16, paired: false), device: TestDevices.Get(device));
        t.Progress += progress.Add;
        t.Sample += samples.Add;
        var report = t.Run();
        Assert.Equal(["G_GAN", "D_real", "D_fake"], progress[0].Losses.Keys);
        Assert.All(progress, p => Assert.All(p.Losses.Values, v => Assert.True(float.IsFinite(v) && v > 0, $"{v}")));
        var sample = Assert.Single(samples);
        Assert.Equal(3 * 16 * 16, sample.Output.Length);
        Assert.NotEqual(sample.Output, sample.Target);
        // The fixed noise is fixed: asking again gives the same images.
        var dcgan = Assert.IsType<DcganTrainer>(t);
        Assert.Equal(dcgan.FixedNoiseImages(2), dcgan.FixedNoiseImages(2));
        Assert.Equal("dcgan", report.Mode);
        Assert.Equal("g1, g2", report.WidthLayout);
    }

    [Fact]
    public void SearchAndExtractionReachTheMacTarget()
    {
        var o = Dcgan(_tmp.File("search"), steps: 8, noPrune: false);
        TrainReport report;
        using (var t = Trainer.Create(o, new SyntheticImages(6, 16, paired: false)))
            report = t.Run();
        Assert.True(report.Phases[Trainer.SearchPhase].Steps <= 4);
        Assert.True(report.CompactMacs < report.FullMacs);
        Assert.True(report.CompactMacs <= report.TargetMacs!.Value + 0.02 * report.FullMacs + 1, $"{report.CompactMacs} vs target {report.TargetMacs}");
        using var compact = ModelFile.Load(Path.Combine(o.OutputDirectory, "compact.safetensors"), Device.Cpu);
        var g = Assert.IsType<DcganGenerator>(compact);
        Assert.Equal(report.Widths, g.Widths);
        Assert.Equal(report.CompactMacs, MacCounter.Count(compact, [1, 100, 1, 1]).Macs);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(o.OutputDirectory, "report.json")));
        Assert.Equal("dcgan", json.RootElement.GetProperty("arch").GetString());
    }

    [Fact]
    public void TheFinetuneDistilsFromTheGeneratorAtTheCutOnTheSameNoise()
    {
        var o = Dcgan(_tmp.File("distill"), steps: 8, noPrune: false);
        o = o with { Prune = o.EffectivePrune with { FinetuneDistill = 5f } };
        using var t = Trainer.Create(o, new SyntheticImages(6, 16, paired: false));
        while (t.Phase == Trainer.SearchPhase) t.RunStep();
        Assert.IsType<DcganGenerator>(t.Teachers["G"]);
        t.RunStep();
        var l = t.LastStepLosses;
        Assert.True(l["G_distill"] > 0);
        Assert.Equal(l["G_GAN"] + l["G_distill"], l["G"], 3e-5 * l["G"]);
        Assert.Contains("G_distill", t.History[^1].Losses.Keys);
    }

    [Fact]
    public void ResumedMidSearchEndsBitExactWithAnUninterruptedRun()
    {
        var a = Dcgan(_tmp.File("a"), steps: 6, noPrune: false);
        var b = a with { OutputDirectory = _tmp.File("b") };
        using (var t = Trainer.Create(a, new SyntheticImages(5, 16, paired: false))) t.Run();
        using (var t = Trainer.Create(b, new SyntheticImages(5, 16, paired: false)))
        {
            for (int i = 0; i < 2; i++) t.RunStep();
            Assert.Equal(Trainer.SearchPhase, t.Phase);
            t.SaveCheckpoint();
        }
        using (var resumed = Trainer.Resume(b.OutputDirectory, new SyntheticImages(5, 16, paired: false), expected: b))
        {
            Assert.Equal(2, resumed.Step);
            resumed.Run();
        }
        var fa = SafeTensorsFile.Read(Trainer.CheckpointPath(a.OutputDirectory, 6));
        var fb = SafeTensorsFile.Read(Trainer.CheckpointPath(b.OutputDirectory, 6));
        Assert.Equal(fa.Names, fb.Names);
        foreach (var n in fa.Names) Assert.True(fa[n].ContentEquals(fb[n]), $"{n} differs after resuming");
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.OutputDirectory, "compact.safetensors")), File.ReadAllBytes(Path.Combine(b.OutputDirectory, "compact.safetensors")));
    }

    [Fact]
    public void OptionsRefuseMixingDcganWithTranslationArchitectures()
    {
        var o = Dcgan(_tmp.File("bad"), 2, noPrune: true);
        Assert.Contains("dcgan mode trains the DCGAN generator", Assert.Throws<ArgumentException>(() => (o with { NetG = GeneratorArch.Resnet9 }).Validate()).Message);
        Assert.Contains("dcgan mode only", Assert.Throws<ArgumentException>(() => (o with { Mode = TrainMode.Pix2Pix, NetG = GeneratorArch.Dcgan }).Validate()).Message);
        Assert.Contains("power-of-two", Assert.Throws<ArgumentException>(() => (o with { Size = 24 }).Validate()).Message);
    }
}
