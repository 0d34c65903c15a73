using System.Text.Json;

namespace CoroNetGAN.Tests;

/// <summary>The coronetgan command line, run in-process as a user would type it.</summary>
public class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void MacsJsonForResnet9()
    {
        var (code, output, _) = Run("macs", "--arch", "resnet9", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("resnet9", root.GetProperty("arch").GetString());
        Assert.Equal(256, root.GetProperty("size").GetInt32());
        Assert.Equal(56_799_264_768L, root.GetProperty("macs").GetInt64());
        Assert.Equal(49_551_507_456L, root.GetProperty("trueMacs").GetInt64());
        Assert.Equal(11_378_179L, root.GetProperty("params").GetInt64());
        var convs = root.GetProperty("layers").EnumerateArray().Where(l => l.GetProperty("op").GetString()!.StartsWith("conv", StringComparison.Ordinal)).ToList();
        Assert.Equal(24, convs.Count);
        Assert.Equal("model.1", convs[0].GetProperty("layer").GetString());
    }

    [Fact]
    public void MacsTableForUnetAndPatchGan()
    {
        var (code, output, _) = Run("macs", "--arch", "unet256");
        Assert.Equal(0, code);
        Assert.Contains("18,140,364,800", output);
        Assert.Contains("54,413,955", output);
        (code, output, _) = Run("macs", "--arch", "patchgan", "--ngf", "64");
        Assert.Equal(0, code);
        Assert.Contains("2,764,737", output);
        (code, output, _) = Run("macs", "--arch", "resnet9", "--ngf", "16", "--size", "256");
        Assert.Equal(0, code);
        Assert.Contains("(3.781 G)", output);
    }

    [Fact]
    public void MacsRejectsBadInputWithAReason()
    {
        var (code, _, err) = Run("macs", "--arch", "unet256", "--size", "128");
        Assert.Equal(2, code);
        Assert.Contains("multiple of 256", err);
        Assert.Contains("use unet128", err);
        (code, _, err) = Run("macs", "--arch", "vgg");
        Assert.Equal(2, code);
        Assert.Contains("resnet9", err);
        (code, _, err) = Run("macs", "--arch", "resnet9", "--ngf", "0");
        Assert.Equal(2, code);
        Assert.Contains("--ngf 0 is outside [1, 1024]", err);
    }

    [Fact]
    public void DevicesListsCpuAndRejectsAnAbsentDevice()
    {
        var (code, output, _) = Run("devices", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("cpu", doc.RootElement[0].GetProperty("name").GetString());
        (code, _, var err) = Run("devices", "--device", "cuda:7");
        Assert.Equal(2, code);
        Assert.Contains("'cuda:7' is not present", err);
        Assert.Contains("cpu (", err);
    }

    [Fact]
    public void InfoReportsWidthsMacsAndParameters()
    {
        string path = Path.Combine(Path.GetTempPath(), $"info-{Guid.NewGuid():N}.safetensors");
        try
        {
            int[] widths = [4, 6, 8, 3, 4, 5, 6, 7, 8, 2, 3, 4, 6, 4];
            using (var g = new CoroNetGAN.Engine.Models.ResnetGenerator(new CoroNetGAN.Engine.Models.ResnetGeneratorConfig(Ngf: 8, Widths: widths), Device.Cpu))
                Interchange.SaveModel(g, path);
            var (code, output, _) = Run("info", "--model", path, "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(widths, doc.RootElement.GetProperty("widths").EnumerateArray().Select(e => e.GetInt32()));
            using var meta = new CoroNetGAN.Engine.Models.ResnetGenerator(new CoroNetGAN.Engine.Models.ResnetGeneratorConfig(Ngf: 8, Widths: widths), Device.Meta);
            var expected = CoroNetGAN.Engine.Metrics.MacCounter.Count(meta, 1, 3, 256, 256);
            Assert.Equal(expected.Macs, doc.RootElement.GetProperty("macs").GetInt64());
            Assert.Equal(expected.Params, doc.RootElement.GetProperty("params").GetInt64());
            (code, _, var err) = Run("info", "--model", path + ".missing");
            Assert.Equal(2, code);
            Assert.Contains(".missing", err);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BenchPrintsTheMedianAsJson()
    {
        var (code, output, err) = Run("bench", "--arch", "resnet6", "--ngf", "4", "--size", "32", "--device", "cpu", "--iters", "3", "--json", "--train");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("medianMs").GetDouble() > 0);
        Assert.Equal(3, doc.RootElement.GetProperty("iters").GetInt32());
        Assert.True(doc.RootElement.GetProperty("train").GetBoolean());
        (code, _, err) = Run("bench", "--arch", "resnet6", "--ngf", "4", "--size", "32", "--device", "cpu", "--iters", "0");
        Assert.Equal(2, code);
        Assert.Contains("--iters 0 is outside [1, 100000]", err);
    }
}
