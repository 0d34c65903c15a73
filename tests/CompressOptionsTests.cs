using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Tests;

/// <summary>
/// The generator names training takes and the options <c>compress</c> derives from a model file, both read from the
/// family registry: the training option, size, ngf, norm and dropout of each family, and each refusal's message.
/// </summary>
public sealed class CompressOptionsTests : IDisposable
{
    readonly DataTestFolders _folders = new();

    /// <inheritdoc/>
    public void Dispose() => _folders.Dispose();

    [Fact]
    public void TrainNamesComeFromTheFamilies()
    {
        Assert.Equal(["resnet9", "resnet6", "unet", "dcgan"], Architectures.TrainNames);
        Assert.Equal(GeneratorArch.Resnet6, Architectures.TrainArch(" ResNet6 "));
        Assert.Equal(GeneratorArch.Unet, Architectures.TrainArch("unet128"));
        Assert.Equal(GeneratorArch.Unet, Architectures.TrainArch("unet"));
        Assert.Equal(GeneratorArch.Dcgan, Architectures.TrainArch("dcgan32"));
        // The generic name leaves the block count open, so it names no training option.
        Assert.Null(Architectures.TrainArch("resnet"));
        Assert.Null(Architectures.TrainArch("patchgan"));
        Assert.Null(Architectures.TrainArch("vgg"));
    }

    [Fact]
    public void CompressTakesEachFamilysOwnSettings()
    {
        var r6 = ForCompress(Save("resnet6", Architectures.Create("resnet6", Device.Cpu, width: 4)));
        Assert.Equal((GeneratorArch.Resnet6, 256, 4, NormKind.Instance, false), (r6.NetG, r6.Size, r6.Ngf, r6.Norm, r6.Dropout));

        var u7 = ForCompress(Save("unet128", Architectures.Create("unet128", Device.Cpu, width: 4)));
        Assert.Equal((GeneratorArch.Unet, 128, 4, NormKind.Batch, true), (u7.NetG, u7.Size, u7.Ngf, u7.Norm, u7.Dropout));
        Assert.Equal(7, u7.UnetDowns);
    }

    [Fact]
    public void CompressRefusesWhatNoTrainingOptionTrains()
    {
        string unet = Save("unet128", Architectures.Create("unet128", Device.Cpu, width: 4));
        var e = Assert.Throws<InvalidDataException>(() => ForCompress(unet, size: 64));
        Assert.Contains("its UnetGenerator has 7 downsamplings, for 128-pixel images; --size 64 needs 6", e.Message);

        int[] widths = [2, 8, 16, .. Enumerable.Repeat(16, 9), 8, 4];
        e = Assert.Throws<InvalidDataException>(() => ForCompress(Save("pruned", Architectures.Create("resnet9", Device.Cpu, width: 4, widths: widths))));
        Assert.Contains("already pruned", e.Message);
        Assert.Contains("compress starts from a full-width resnet9, resnet6 or unet generator", e.Message);

        e = Assert.Throws<InvalidDataException>(() => ForCompress(Save("dcgan", Architectures.Create("dcgan32", Device.Cpu, width: 4))));
        Assert.Contains("holds a DcganGenerator; compress starts from a full-width resnet9, resnet6 or unet generator", e.Message);

        e = Assert.Throws<InvalidDataException>(() => ForCompress(Save("d", Architectures.Create("patchgan", Device.Cpu, width: 4))));
        Assert.Contains("not a generator", e.Message);
    }

    string Save(string name, Module model)
    {
        string path = Path.Combine(_folders.Dir("models"), name + ".safetensors");
        using (model) ModelFile.Save(model, path);
        return path;
    }

    TrainOptions ForCompress(string model, int? size = null) =>
        InitModels.ForCompress(model, _folders.Dir("data"), _folders.Dir("out"), 0.5, 2, TrainMode.Pix2Pix, size);
}
