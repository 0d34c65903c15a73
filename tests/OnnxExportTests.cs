using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>
/// ONNX export: the exported generators run in ONNX Runtime (CPU) and agree with the engine's evaluation-mode
/// forward pass, at batch 1 and 2 from one session (dynamic batch) and at another image size (dynamic height and width).
/// </summary>
public class OnnxExportTests(ITestOutputHelper log)
{
    /// <summary>float32 export against the engine: both compute in float32, only the summation order differs.</summary>
    const float Fp32Tolerance = 1e-4f;

    /// <summary>
    /// Float16 kernels, float32 arithmetic: each kernel value is rounded to 11 significant bits (relative error at most
    /// 2^-11 = 4.9e-4), and the errors of 15-25 conv layers add up. Measured over these eight generators (three inputs
    /// each): largest difference 7.7e-3 (the compact ResNet with batch norm), largest mean difference 5.7e-4. The bound
    /// is 1% of the output range [-1, 1] (2.5 grey levels of an 8-bit image), 2.6 times the worst measured.
    /// </summary>
    const float Fp16Tolerance = 2e-2f;

    /// <summary>The mean difference under float16 kernels: 3.5 times the worst measured (5.7e-4).</summary>
    const float Fp16MeanTolerance = 2e-3f;

    public static TheoryData<string> Cases => new()
    {
        "resnet6-instance-full", "resnet9-instance-compact-dropout", "resnet6-batch-compact", "resnet6-none-full",
        "unet6-batch-full-dropout", "unet6-batch-compact", "unet6-instance-full", "unet6-instance-compact",
    };

    /// <summary>Builds the generator of a case with a fresh seed and non-trivial values everywhere (see <see cref="Perturb"/>).</summary>
    internal static Module Build(string name)
    {
        var rng = new Random(TestRandom.Seed("onnx-" + name));
        var parts = name.Split('-');
        var norm = parts[1] switch { "instance" => NormKind.Instance, "batch" => NormKind.Batch, _ => NormKind.None };
        bool compact = parts[2] == "compact", dropout = parts.Contains("dropout");
        Module g;
        if (parts[0].StartsWith("resnet", StringComparison.Ordinal))
        {
            int blocks = int.Parse(parts[0]["resnet".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var widths = compact ? Narrower(rng, ResnetGenerator.FullWidths(8, blocks)) : null;
            g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: blocks, Norm: norm, UseDropout: dropout, Widths: widths), Device.Cpu, seed: rng.Next());
        }
        else
        {
            var widths = compact ? Narrower(rng, UnetGenerator.FullWidths(8, 6)) : null;
            g = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 6, Ngf: 8, Norm: norm, UseDropout: dropout, Widths: widths), Device.Cpu, seed: rng.Next());
        }
        Perturb(g, rng);
        return g;
    }

    /// <summary>Random widths between 1 and the full width, as a pruning extraction leaves them.</summary>
    static int[] Narrower(Random rng, int[] full)
    {
        var w = full.Select(f => rng.Next(1, f + 1)).ToArray();
        w[0] = Math.Max(1, full[0] - 1 - rng.Next(full[0] / 2)); // at least one layer surely narrower
        return w;
    }

    /// <summary>
    /// Kernels N(0, gain²/fan-in) so activations keep their scale through the net (the reference's N(0, 0.02) shrinks a
    /// deep net's signal towards its biases; without norm layers a smaller gain keeps the residual stream out of tanh's
    /// rails), random biases and BatchNorm affine parameters, and BatchNorm running statistics from 20 training-mode
    /// forward passes on random images (momentum 0.1: 88% batch statistics, far from the initial 0 and 1).
    /// </summary>
    static void Perturb(Module g, Random rng)
    {
        var modules = g.NamedModules().Select(m => m.Module).ToList();
        float gain = modules.Any(m => m is InstanceNorm2d or BatchNorm2d) ? MathF.Sqrt(2f) : 1f;
        float Normal(float std) => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        void Fill(Tensor? t, Func<float> f) { if (t != null) t.CopyFrom(Enumerable.Range(0, t.Length).Select(_ => f()).ToArray()); }
        foreach (var m in modules)
        {
            switch (m)
            {
                case Engine.Layers.Conv2d c:
                    Fill(c.Weight, () => Normal(gain / MathF.Sqrt(c.InChannels * c.Kernel * c.Kernel)));
                    Fill(c.Bias, () => Normal(0.1f));
                    break;
                case Engine.Layers.ConvTranspose2d c:
                    // Each output of a stride-2 transposed conv sums in * (k / 2)^2 products.
                    Fill(c.Weight, () => Normal(gain / MathF.Sqrt(c.InChannels * c.Kernel * c.Kernel / 4f)));
                    Fill(c.Bias, () => Normal(0.1f));
                    break;
                case BatchNorm2d b:
                    Fill(b.Weight, () => 1f + Normal(0.2f));
                    Fill(b.Bias, () => Normal(0.2f));
                    break;
            }
        }
        if (modules.Any(m => m is BatchNorm2d))
        {
            g.Train();
            using var scope = Tape.NoGrad();
            for (int i = 0; i < 20; i++)
            {
                using var x = Tensor.FromArray(Device.Cpu, RandomImage(rng, [2, 3, 64, 64]), 2, 3, 64, 64);
                g.Forward(x).Dispose();
            }
            g.Eval();
        }
    }

    internal static float[] EngineForward(Module g, float[] x, int[] shape)
    {
        g.Eval();
        using var scope = Tape.NoGrad();
        using var t = Tensor.FromArray(Device.Cpu, x, shape);
        using var y = g.Forward(t);
        return y.ToArray();
    }

    internal static (float[] Data, long[] Shape) OrtForward(InferenceSession session, float[] x, int[] shape)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, shape.Select(d => (long)d).ToArray());
        using var run = new RunOptions();
        using var outputs = session.Run(run, [OnnxExport.InputName], [input], [OnnxExport.OutputName]);
        var y = outputs[0];
        return (y.GetTensorDataAsSpan<float>().ToArray(), y.GetTensorTypeAndShape().Shape);
    }

    internal static float[] RandomImage(Random rng, int[] shape) =>
        Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();

    /// <summary>Runs the export in ONNX Runtime on fresh inputs (batch 1 and 2 at 64x64 from one session, then batch 1
    /// at another size) and returns the largest and the mean difference from the engine.</summary>
    internal static (float Max, double Mean) Compare(Module g, InferenceSession session, string label, ITestOutputHelper? log = null)
    {
        var (channels, outChannels) = g switch
        {
            ResnetGenerator r => (r.Config.InputChannels, r.Config.OutputChannels),
            UnetGenerator u => (u.Config.InputChannels, u.Config.OutputChannels),
            _ => throw new ArgumentException(g.GetType().Name),
        };
        // ResNet: multiples of 4; a U-Net with 6 downsamplings: multiples of 64.
        int[] other = g is ResnetGenerator ? [1, channels, 32, 48] : [1, channels, 128, 64];
        var rng = new Random(TestRandom.Seed("onnx-input-" + label));
        float worst = 0, spread = 0;
        double sum = 0;
        long count = 0;
        foreach (var shape in new[] { new[] { 1, channels, 64, 64 }, [2, channels, 64, 64], other })
        {
            var x = RandomImage(rng, shape);
            var expected = EngineForward(g, x, shape);
            var (actual, actualShape) = OrtForward(session, x, shape);
            Assert.Equal(new long[] { shape[0], outChannels, shape[2], shape[3] }, actualShape);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                float d = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, d);
                sum += d;
            }
            count += expected.Length;
            float mean = expected.Average();
            spread = Math.Max(spread, MathF.Sqrt(expected.Select(v => (v - mean) * (v - mean)).Average()));
        }
        log?.WriteLine($"{label}: max |onnx - engine| = {worst:E2}, mean {sum / count:E2} (output std {spread:F3})");
        // A meaningful comparison: the output varies; it is not stuck at a constant or at tanh's rails.
        Assert.InRange(spread, 0.05f, 0.95f);
        return (worst, sum / count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportMatchesTheEngineInFp32AndFp16(string name)
    {
        using var g = Build(name);
        var fp32 = OnnxExport.ToBytes(g);
        var fp16 = OnnxExport.ToBytes(g, new OnnxExportOptions { Fp16 = true });
        using var s32 = new InferenceSession(fp32);
        using var s16 = new InferenceSession(fp16);
        var (max32, _) = Compare(g, s32, name + " fp32", log);
        var (max16, mean16) = Compare(g, s16, name + " fp16", log);
        log.WriteLine($"{name}: {fp32.Length:N0} bytes fp32, {fp16.Length:N0} bytes fp16");
        Assert.True(max32 <= Fp32Tolerance, $"{name} fp32: max error {max32:E2} > {Fp32Tolerance:E0}");
        Assert.True(max16 <= Fp16Tolerance, $"{name} fp16: max error {max16:E2} > {Fp16Tolerance:E0}");
        Assert.True(mean16 <= Fp16MeanTolerance, $"{name} fp16: mean error {mean16:E2} > {Fp16MeanTolerance:E0}");
        // The kernels are nearly all of the bytes, so float16 about halves the file.
        Assert.InRange(fp16.Length, fp32.Length * 0.45, fp32.Length * 0.6);
    }

    static readonly string[] StandardOps =
        ["Conv", "ConvTranspose", "Pad", "InstanceNormalization", "BatchNormalization", "Relu", "LeakyRelu", "Tanh", "Add", "Concat", "Cast"];

    [Fact]
    public void FileDeclaresOpset17DynamicDimsAndStandardOpsOnly()
    {
        using var tmp = new GoldenCases.TempDir();
        using var g = Build("unet6-batch-compact-dropout");
        string f32 = tmp.File("g.onnx"), f16 = tmp.File("g16.onnx");
        OnnxExport.Save(g, f32);
        OnnxExport.Save(g, f16, new OnnxExportOptions { Fp16 = true, ProducerName = "test-producer" });
        Assert.Equal(["g.onnx", "g16.onnx"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName).Order()); // no temporary files left

        using (var s = new InferenceSession(f32))
        {
            var input = s.InputMetadata[OnnxExport.InputName];
            Assert.Equal([-1, 3, -1, -1], input.Dimensions);
            Assert.Equal(["batch", "", "height", "width"], input.SymbolicDimensions);
            Assert.Equal(typeof(float), input.ElementType);
            var output = s.OutputMetadata[OnnxExport.OutputName];
            Assert.Equal([-1, 3, -1, -1], output.Dimensions);
            Assert.Equal(typeof(float), output.ElementType);
            var meta = s.ModelMetadata;
            Assert.Equal("CoroNetGAN", meta.ProducerName);
            Assert.Equal("UnetGenerator", meta.CustomMetadataMap["coronetgan.architecture"]);
            Assert.Contains("\"widths\"", meta.CustomMetadataMap["coronetgan.config"]);
            Assert.Equal("float32", meta.CustomMetadataMap["coronetgan.precision"]);
            Assert.Contains("multiples of 64", meta.CustomMetadataMap["coronetgan.input"]);
        }
        using (var s = new InferenceSession(f16))
        {
            Assert.Equal(typeof(float), s.InputMetadata[OnnxExport.InputName].ElementType);
            Assert.Equal(typeof(float), s.OutputMetadata[OnnxExport.OutputName].ElementType);
            Assert.Equal("test-producer", s.ModelMetadata.ProducerName);
            Assert.Equal("float16 conv kernels, float32 arithmetic", s.ModelMetadata.CustomMetadataMap["coronetgan.precision"]);
        }

        var m32 = Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(f32));
        var m16 = Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(f16));
        Assert.Equal(8, m32.IrVersion);
        Assert.Equal(17, Assert.Single(m32.OpsetImport).Version);
        Assert.Equal("", m32.OpsetImport[0].Domain);
        foreach (var m in new[] { m32, m16 })
        {
            Assert.All(m.Graph.Node, n => Assert.Contains(n.OpType, StandardOps));
            Assert.All(m.Graph.Node, n => Assert.Equal("", n.Domain));
            // Weights are raw little-endian bytes, named by their state-dict keys.
            Assert.All(m.Graph.Initializer, t => Assert.True(t.RawData.Length > 0 && t.FloatData.Count == 0, t.Name));
            Assert.Contains(m.Graph.Initializer, t => t.Name == "model.model.1.model.2.running_var");
        }
        // U-Net: 6 down convs, 6 up convs, 5 skip concatenations, 5 LeakyReLUs; dropout is left out.
        Assert.Equal(6, m32.Graph.Node.Count(n => n.OpType == "Conv"));
        Assert.Equal(6, m32.Graph.Node.Count(n => n.OpType == "ConvTranspose"));
        Assert.Equal(5, m32.Graph.Node.Count(n => n.OpType == "Concat"));
        Assert.Equal(5, m32.Graph.Node.Count(n => n.OpType == "LeakyRelu"));
        Assert.DoesNotContain(m32.Graph.Node, n => n.OpType == "Cast");
        // float16: the 12 kernels are FLOAT16 (10), each cast to float32 once; every other initializer stays float32.
        var half = m16.Graph.Initializer.Where(t => t.DataType == 10).ToList();
        Assert.Equal(12, half.Count);
        Assert.All(half, t => Assert.EndsWith(".weight", t.Name));
        Assert.Equal(12, m16.Graph.Node.Count(n => n.OpType == "Cast"));
        Assert.All(m32.Graph.Initializer.Where(t => t.DataType != 7), t => Assert.Equal(1, t.DataType));
    }

    [Fact]
    public void ResnetGraphHasReflectPadsResidualAddsAndOutputPadding()
    {
        using var g = Build("resnet6-instance-full");
        var m = Onnx.Proto.ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(g));
        var nodes = m.Graph.Node;
        Assert.Equal(2 + 2 * 6, nodes.Count(n => n.OpType == "Pad"));
        Assert.All(nodes.Where(n => n.OpType == "Pad"), n => Assert.Equal("reflect", n.Attribute.Single(a => a.Name == "mode").S.ToStringUtf8()));
        Assert.Equal(6, nodes.Count(n => n.OpType == "Add"));
        var up = nodes.Where(n => n.OpType == "ConvTranspose").ToList();
        Assert.Equal(2, up.Count);
        Assert.All(up, n => Assert.Equal([1L, 1L], n.Attribute.Single(a => a.Name == "output_padding").Ints));
        // Non-affine InstanceNorm: scale 1 and shift 0, epsilon 1e-5.
        var norm = nodes.First(n => n.OpType == "InstanceNormalization");
        Assert.Equal(1e-5f, norm.Attribute.Single(a => a.Name == "epsilon").F);
        var scale = m.Graph.Initializer.Single(t => t.Name == norm.Input[1]);
        Assert.All(Enumerable.Range(0, scale.RawData.Length / 4), i => Assert.Equal(1f, BitConverter.ToSingle(scale.RawData.Span[(4 * i)..])));
        Assert.Equal("output", nodes[^1].Output[0]);
        Assert.Equal("Tanh", nodes[^1].OpType);
    }

    [Fact]
    public void ModelFileExportsAndRuns()
    {
        using var tmp = new GoldenCases.TempDir();
        using var g = Build("resnet9-instance-compact-dropout");
        string modelFile = tmp.File("compact.safetensors"), onnx = tmp.File("compact.onnx");
        Interchange.SaveModel(g, modelFile);
        OnnxExport.Save(modelFile, onnx);
        using var s = new InferenceSession(onnx);
        var (max, _) = Compare(g, s, "model file", log);
        Assert.True(max <= Fp32Tolerance, $"max error {max:E2}");
    }

    [Fact]
    public void SearchingGeneratorsAndDiscriminatorsAreRefused()
    {
        var hyper = new HyperOptions(Embedding: 4);
        using (var r = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 2), Device.Cpu, 1, hyper))
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(r));
            Assert.Contains("still searching", e.Message);
            Assert.Contains("HyperConv", e.Message);
            Assert.Contains("'model.1'", e.Message);
            Assert.Contains("Export the compact generator", e.Message);
        }
        using (var u = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 4), Device.Cpu, 1, hyper))
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(u));
            Assert.Contains("UnetGenerator is still searching", e.Message);
        }
        using (var d = new PatchGanDiscriminator(new PatchGanConfig(Ndf: 4), Device.Cpu))
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(d));
            Assert.Contains("generators", e.Message);
            Assert.Contains("discriminator", e.Message);
        }
        using (var meta = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 1), Device.Meta))
            Assert.Contains("meta device", Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(meta)).Message);
        using (var c = new Engine.Layers.Conv2d(new Init(Device.Cpu, 1), 3, 3, 3))
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(c));
            Assert.Contains("not Conv2d", e.Message);
        }
    }

    [Fact]
    public void BadModelFilesAndPathsGiveClearErrors()
    {
        using var tmp = new GoldenCases.TempDir();
        string text = tmp.File("notes.txt");
        File.WriteAllText(text, "not a model");
        var io = Assert.ThrowsAny<IOException>(() => OnnxExport.Save(text, tmp.File("a.onnx")));
        Assert.Contains(text, io.Message);

        // A valid safetensors file that is a PyTorch state dict, not a CoroNetGAN model file.
        using var g = Build("resnet6-none-full");
        string pt = tmp.File("weights.safetensors");
        Interchange.ExportPyTorch(g, pt);
        var bad = Assert.Throws<InvalidDataException>(() => OnnxExport.Save(pt, tmp.File("a.onnx")));
        Assert.Contains("not a CoroNetGAN model file", bad.Message);

        string disc = tmp.File("d.safetensors");
        using (var d = new PatchGanDiscriminator(new PatchGanConfig(Ndf: 4), Device.Cpu)) Interchange.SaveModel(d, disc);
        Assert.Contains("discriminator", Assert.Throws<ArgumentException>(() => OnnxExport.Save(disc, tmp.File("a.onnx"))).Message);

        Assert.ThrowsAny<FileNotFoundException>(() => OnnxExport.Save(tmp.File("missing.safetensors"), tmp.File("a.onnx")));

        var dir = Assert.Throws<DirectoryNotFoundException>(() => OnnxExport.Save(g, Path.Combine(tmp.Path, "no-such-folder", "g.onnx")));
        Assert.Contains("does not exist", dir.Message);
        // The target is a folder: the rename fails, and the temporary file is cleaned up.
        Directory.CreateDirectory(tmp.File("taken.onnx"));
        Assert.ThrowsAny<Exception>(() => OnnxExport.Save(g, tmp.File("taken.onnx")));
        Assert.False(File.Exists(tmp.File("a.onnx")));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }
}
