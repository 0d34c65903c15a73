using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Tests;

/// <summary>
/// PyTorch state dicts in and out: the golden weights import and export byte for byte, in PyTorch's key order,
/// and a state dict with a missing key, an extra key or a wrong shape is refused with each key named.
/// </summary>
public class StateDictTests
{
    static SafeTensorsFile Weights(string name) => SafeTensorsFile.Read(Path.Combine(GoldenCases.Dir(name), "weights.safetensors"));

    static Module Import(string name) => name switch
    {
        "resnet9_ngf8" => Interchange.ImportPyTorch(Path.Combine(GoldenCases.Dir(name), "weights.safetensors"), "resnet9", Device.Cpu),
        "unet6_ngf8_bn" => Interchange.ImportPyTorch(Path.Combine(GoldenCases.Dir(name), "weights.safetensors"), "unet64", Device.Cpu),
        _ => Interchange.ImportPyTorch(Path.Combine(GoldenCases.Dir(name), "weights.safetensors"), "patchgan", Device.Cpu),
    };

    [Theory]
    [InlineData("resnet9_ngf8")]
    [InlineData("unet6_ngf8_bn")]
    [InlineData("patchgan_ndf8_in")]
    [InlineData("patchgan_ndf8_bn_nc6")]
    public void ImportThenExportIsByteIdenticalInPyTorchOrder(string name)
    {
        using var tmp = new GoldenCases.TempDir();
        using var model = Import(name);
        Assert.Equal(GoldenCases.WeightKeys(name), StateDict.Keys(model).Select(k => k.Key));
        string path = tmp.File("out.safetensors");
        Interchange.ExportPyTorch(model, path);
        var original = Weights(name);
        var exported = SafeTensorsFile.Read(path);
        Assert.Equal(original.Names.Order(), exported.Names.Order());
        foreach (var n in original.Names) Assert.True(original[n].ContentEquals(exported[n]), n);
        Assert.Equal("pt", exported.Metadata["format"]);
    }

    [Fact]
    public void InferredConfigurationsMatchTheCases()
    {
        using (var r = (ResnetGenerator)Import("resnet9_ngf8"))
            Assert.Equal(new ResnetGeneratorConfig(3, 3, 8, 9, NormKind.Instance, false, null), r.Config);
        using (var u = (UnetGenerator)Import("unet6_ngf8_bn"))
            Assert.Equal(new UnetGeneratorConfig(3, 3, 6, 8, NormKind.Batch, true, null), u.Config);
        using (var d = (PatchGanDiscriminator)Import("patchgan_ndf8_bn_nc6"))
            Assert.Equal(new PatchGanConfig(6, 8, 3, NormKind.Batch), d.Config);
        using (var d = (PatchGanDiscriminator)Import("patchgan_ndf8_in"))
            Assert.Equal(new PatchGanConfig(3, 8, 3, NormKind.Instance), d.Config);
    }

    [Fact]
    public void GenericNamesTakeTheDepthFromTheFileAndNamedOnesCheckIt()
    {
        string resnet = Path.Combine(GoldenCases.Dir("resnet9_ngf8"), "weights.safetensors");
        string unet = Path.Combine(GoldenCases.Dir("unet6_ngf8_bn"), "weights.safetensors");
        using (var u = (UnetGenerator)Interchange.ImportPyTorch(unet, "unet", Device.Cpu)) Assert.Equal(6, u.Config.NumDowns);
        using (var r = (ResnetGenerator)Interchange.ImportPyTorch(resnet, "resnet", Device.Cpu)) Assert.Equal(9, r.Config.Blocks);
        var e = Assert.Throws<ArgumentException>(() => Interchange.ImportPyTorch(resnet, "resnet6", Device.Cpu));
        Assert.Contains("--arch resnet6 has 6 blocks but the file has 9", e.Message);
        e = Assert.Throws<ArgumentException>(() => Interchange.ImportPyTorch(unet, "unet256", Device.Cpu));
        Assert.Contains("--arch unet256 has 8 downsamplings but the file has 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => Interchange.ImportPyTorch(resnet, "resnet9", Device.Cpu, new ImportOptions(Ngf: 16, Norm: NormKind.Batch)));
        Assert.Contains("--ngf 16 disagrees with the file: its ngf is 8 (model.1.weight F32 [8,3,7,7])", e.Message);
        Assert.Contains("--norm batch disagrees", e.Message);
    }

    [Fact]
    public void PrunedWidthsAndDropoutSurviveExportAndImport()
    {
        using var tmp = new GoldenCases.TempDir();
        int[] widths = [5, 9, 12, 3, 7, 12, 6, 4];
        using var pruned = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: 3, UseDropout: true, Widths: widths), Device.Cpu, seed: 3);
        string path = tmp.File("pruned.safetensors");
        Interchange.ExportPyTorch(pruned, path);
        using var back = (ResnetGenerator)Interchange.ImportPyTorch(path, "resnet", Device.Cpu);
        Assert.Equal(widths, back.Widths);
        Assert.True(back.Config.UseDropout);
        Assert.Equal(3, back.Config.Blocks);
        var a = StateDict.Export(pruned);
        var b = StateDict.Export(back);
        Assert.All(a.Zip(b), p => Assert.True(p.First.Value.ContentEquals(p.Second.Value), p.First.Key));

        int[] unetWidths = [4, 6, 10, 12, 16, 9, 7, 5, 3];
        using var prunedUnet = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 4, Widths: unetWidths), Device.Cpu, seed: 3);
        Interchange.ExportPyTorch(prunedUnet, path);
        using var backUnet = (UnetGenerator)Interchange.ImportPyTorch(path, "unet", Device.Cpu);
        Assert.Equal(unetWidths, backUnet.Widths);
    }

    static Dictionary<string, SafeTensor> Edited(string name, Action<Dictionary<string, SafeTensor>> edit)
    {
        var t = Weights(name).Tensors.ToDictionary(p => p.Key, p => p.Value);
        edit(t);
        return t;
    }

    [Fact]
    public void MissingExtraAndMisshapenKeysAreEachNamed()
    {
        using var model = new PatchGanDiscriminator(new PatchGanConfig(6, 8, 3, NormKind.Batch), Device.Cpu);
        const string src = "patchgan_ndf8_bn_nc6";

        var e = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, Edited(src, t => t.Remove("model.6.running_var"))));
        Assert.Equal(["model.6.running_var"], e.Missing);
        Assert.Contains("1 missing key(s):\n    model.6.running_var  expected F32 [32]", e.Message);

        e = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, Edited(src, t => t["model.3.extra"] = SafeTensor.FromFloats([1f], 1))));
        Assert.Equal(["model.3.extra"], e.Unexpected);
        Assert.Contains("1 unexpected key(s):\n    model.3.extra  F32 [1]", e.Message);

        e = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, Edited(src, t => t["model.5.weight"] = SafeTensor.FromFloats(new float[32 * 16 * 9], 32, 16, 3, 3))));
        Assert.Equal(["model.5.weight"], e.WrongShape);
        Assert.Contains("model.5.weight  expected F32 [32,16,4,4], got F32 [32,16,3,3]", e.Message);

        e = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, Edited(src, t => t["model.3.num_batches_tracked"] = SafeTensor.FromFloats([0f]))));
        Assert.Contains("model.3.num_batches_tracked  expected I64 [], got F32 []", e.Message);
    }

    [Fact]
    public void AllFaultsComeInOneMessageAndTheModelIsUntouched()
    {
        using var model = new PatchGanDiscriminator(new PatchGanConfig(6, 8, 3, NormKind.Batch), Device.Cpu);
        var before = model.NamedParameters().First().Tensor.ToArray();
        var bad = Edited("patchgan_ndf8_bn_nc6", t =>
        {
            t.Remove("model.0.bias");
            t.Remove("model.9.weight");
            t["model.12.weight"] = SafeTensor.FromFloats([1f], 1);
            t["model.11.weight"] = SafeTensor.FromFloats(new float[64 * 9], 1, 64, 3, 3);
        });
        var e = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, bad, "bad.safetensors"));
        Assert.Equal(["model.0.bias", "model.9.weight"], e.Missing);
        Assert.Equal(["model.12.weight"], e.Unexpected);
        Assert.Equal(["model.11.weight"], e.WrongShape);
        Assert.StartsWith("bad.safetensors does not fit this PatchGanDiscriminator (22 keys):", e.Message);
        Assert.Equal(before, model.NamedParameters().First().Tensor.ToArray());
    }

    [Fact]
    public void ImportReportsKeysOfTheFile()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("w.safetensors");
        var t = Edited("resnet9_ngf8", d => { d.Remove("model.13.conv_block.5.bias"); d["model.13.conv_block.5.gamma"] = SafeTensor.FromFloats([1f], 1); });
        SafeTensorsFile.Write(path, new SafeTensorsFile(t));
        var e = Assert.Throws<StateDictMismatchException>(() => Interchange.ImportPyTorch(path, "resnet9", Device.Cpu));
        Assert.StartsWith(path, e.Message);
        Assert.Equal(["model.13.conv_block.5.bias"], e.Missing);
        Assert.Equal(["model.13.conv_block.5.gamma"], e.Unexpected);
    }

    [Fact]
    public void NumBatchesTrackedTravelsWithTheBatchNorm()
    {
        using var model = (UnetGenerator)Import("unet6_ngf8_bn");
        var t = Weights("unet6_ngf8_bn").Tensors.ToDictionary(p => p.Key, p => p.Value);
        t["model.model.1.model.2.num_batches_tracked"] = SafeTensor.FromInt64s([41]);
        StateDict.Load(model, t);
        Assert.Equal(41, StateDict.Export(model).Single(p => p.Key == "model.model.1.model.2.num_batches_tracked").Value.ToInt64s()[0]);
    }
}
