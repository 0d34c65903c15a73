using CoroNetGAN.Engine.Models;
using CoroNetGAN.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace CoroNetGAN.Tests;

/// <summary><c>coronetgan export --onnx</c>, run in-process as a user would type it.</summary>
public class OnnxCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void ExportOnnxWritesAModelThatRunsAndFp16HalvesIt()
    {
        using var tmp = new GoldenCases.TempDir();
        using var g = OnnxExportTests.Build("unet6-instance-compact");
        string model = tmp.File("compact.safetensors"), onnx = tmp.File("compact.onnx"), half = tmp.File("compact16.onnx");
        Interchange.SaveModel(g, model);

        var (code, output, err) = Run("export", "--model", model, "--onnx", onnx);
        Assert.True(code == 0, err);
        Assert.Contains($"to {onnx} (ONNX opset 17, float32)", output);
        (code, output, err) = Run("export", "--model", model, "--onnx", half, "--fp16");
        Assert.True(code == 0, err);
        Assert.Contains("float16 kernels, float32 arithmetic", output);
        Assert.InRange(new FileInfo(half).Length, new FileInfo(onnx).Length * 0.45, new FileInfo(onnx).Length * 0.6);

        using var session = new InferenceSession(onnx);
        var (max, _) = OnnxExportTests.Compare(g, session, "cli");
        Assert.True(max <= 1e-4f, $"max error {max:E2}");
    }

    [Fact]
    public void ExportNeedsExactlyOneOutputAndFp16OnlyWithOnnx()
    {
        using var tmp = new GoldenCases.TempDir();
        string model = tmp.File("g.safetensors");
        using (var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 1), Device.Cpu)) Interchange.SaveModel(g, model);

        var (code, _, err) = Run("export", "--model", model);
        Assert.Equal(2, code);
        Assert.Contains("exactly one output", err);
        (code, _, err) = Run("export", "--model", model, "--pytorch", tmp.File("a.safetensors"), "--onnx", tmp.File("a.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("exactly one output", err);
        (code, _, err) = Run("export", "--model", model, "--pytorch", tmp.File("a.safetensors"), "--fp16");
        Assert.Equal(2, code);
        Assert.Contains("--fp16 applies to --onnx only", err);
        Assert.Empty(Directory.GetFiles(tmp.Path, "a.*"));
    }

    [Fact]
    public void ExportOnnxExplainsWhatItCannotExport()
    {
        using var tmp = new GoldenCases.TempDir();
        string disc = tmp.File("d.safetensors"), text = tmp.File("x.txt"), gen = tmp.File("g.safetensors");
        using (var d = new PatchGanDiscriminator(new PatchGanConfig(Ndf: 4), Device.Cpu)) Interchange.SaveModel(d, disc);
        using (var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 1), Device.Cpu)) Interchange.SaveModel(g, gen);
        File.WriteAllText(text, "hello");

        var (code, _, err) = Run("export", "--model", disc, "--onnx", tmp.File("d.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("error: ONNX export covers generators", err);
        (code, _, err) = Run("export", "--model", text, "--onnx", tmp.File("x.onnx"));
        Assert.Equal(2, code);
        Assert.Contains(text, err);
        (code, _, err) = Run("export", "--model", gen, "--onnx", Path.Combine(tmp.Path, "nowhere", "g.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
        Assert.False(File.Exists(tmp.File("d.onnx")));
    }
}
