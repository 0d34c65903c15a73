using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Tests;

/// <summary>The engine's own model files: a golden model imported, saved and loaded still passes parity; bad files are refused.</summary>
public class ModelFileTests
{
    [Theory]
    [InlineData("resnet9_ngf8", "resnet9")]
    [InlineData("unet6_ngf8_bn", "unet64")]
    [InlineData("patchgan_ndf8_bn_nc6", "patchgan")]
    public void ImportedSavedAndLoadedModelStillPassesParity(string name, string arch)
    {
        using var tmp = new GoldenCases.TempDir();
        string src = GoldenCases.Dir(name);
        string modelPath = tmp.File("model.safetensors");
        using (var imported = Interchange.ImportPyTorch(Path.Combine(src, "weights.safetensors"), arch, Device.Cpu))
            Interchange.SaveModel(imported, modelPath);

        // The loaded model's weights become the case's weights: parity then checks what the model file held.
        string caseDir = Directory.CreateDirectory(tmp.File("case")).FullName;
        foreach (var f in new[] { "case.json", "io.safetensors" }) File.Copy(Path.Combine(src, f), Path.Combine(caseDir, f));
        using (var loaded = Interchange.LoadModel(modelPath, Device.Cpu))
            Interchange.ExportPyTorch(loaded, Path.Combine(caseDir, "weights.safetensors"));
        var report = Parity.Run(caseDir, Device.Cpu);
        Assert.True(report.Passed, string.Join("\n", report.Lines()));
    }

    [Fact]
    public void MetadataNamesTheArchitectureAndConfig()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("m.safetensors");
        int[] widths = [4, 6, 10, 12, 16, 9, 7, 5, 3];
        using var model = new UnetGenerator(new UnetGeneratorConfig(InputChannels: 1, OutputChannels: 2, NumDowns: 5, Ngf: 4,
            Norm: NormKind.Instance, UseDropout: false, Widths: widths), Device.Cpu, seed: 5);
        Interchange.SaveModel(model, path);
        var meta = SafeTensorsFile.Read(path).Metadata;
        Assert.Equal("coronetgan-model", meta["format"]);
        Assert.Equal("1", meta["version"]);
        Assert.Equal("UnetGenerator", meta["architecture"]);
        Assert.Equal("{\"inputChannels\":1,\"outputChannels\":2,\"numDowns\":5,\"ngf\":4,\"norm\":\"instance\",\"useDropout\":false,\"widths\":[4,6,10,12,16,9,7,5,3]}", meta["config"]);
        using var back = (UnetGenerator)Interchange.LoadModel(path, Device.Cpu);
        Assert.Equal(widths, back.Widths);
        Assert.Equal(model.Config with { Widths = null }, back.Config with { Widths = null });
        Assert.All(StateDict.Export(model).Zip(StateDict.Export(back)), p => Assert.True(p.First.Value.ContentEquals(p.Second.Value)));
    }

    [Fact]
    public void FullWidthModelsStoreNoWidthList()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("m.safetensors");
        using var model = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 2), Device.Cpu);
        Interchange.SaveModel(model, path);
        Assert.Contains("\"widths\":null", SafeTensorsFile.Read(path).Metadata["config"]);
        using var back = (ResnetGenerator)Interchange.LoadModel(path, Device.Cpu);
        Assert.Equal(model.Config, back.Config);
    }

    [Fact]
    public void NonModelFilesAndNewerVersionsAreRefused()
    {
        using var tmp = new GoldenCases.TempDir();
        string pytorch = Path.Combine(GoldenCases.Dir("resnet9_ngf8"), "weights.safetensors");
        var e = Assert.Throws<InvalidDataException>(() => Interchange.LoadModel(pytorch, Device.Cpu));
        Assert.Contains("not a CoroNetGAN model file", e.Message);

        string path = tmp.File("m.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "coronetgan-model", ["version"] = "2", ["architecture"] = "ResnetGenerator", ["config"] = "{}" };
        SafeTensorsFile.Write(path, new SafeTensorsFile([], meta));
        Assert.Contains("version 2 was written by a newer CoroNetGAN", Assert.Throws<InvalidDataException>(() => Interchange.LoadModel(path, Device.Cpu)).Message);

        meta["version"] = "1";
        meta["config"] = "{\"ngf\":4,\"blocs\":2}";
        SafeTensorsFile.Write(path, new SafeTensorsFile([], meta));
        e = Assert.Throws<InvalidDataException>(() => Interchange.LoadModel(path, Device.Cpu));
        Assert.Contains("cannot rebuild the model", e.Message);
        Assert.Contains("blocs", e.Message);

        using var conv = new Conv2d(new Init(Device.Cpu, 1), 2, 2, 3);
        Assert.Throws<ArgumentException>(() => Interchange.SaveModel(conv, path));
    }
}
