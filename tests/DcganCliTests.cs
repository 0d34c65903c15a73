using System.Text.Json;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan train --mode dcgan end to end at toy size: a compressed DCGAN, its samples, info, and translate refusing it.</summary>
public sealed class DcganCliTests : IDisposable
{
    readonly DataTestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void TrainCompressesADcganOnAFolderOfImagesAndTranslateRefusesIt()
    {
        string data = _folders.Dir("faces");
        for (int i = 0; i < 6; i++) DataTestFolders.WriteTextured(Path.Combine(data, $"img{i}.png"), 20, 20, salt: i);
        string run = Path.Combine(_folders.Root, "run");
        var (code, output, err) = CliRunner.Run("train", "--mode", "dcgan", "--data", data, "--out", run, "--size", "16", "--ngf", "8",
            "--ndf", "4", "--steps", "6", "--target-ratio", "0.5", "--lambda", "50", "--device", "cpu", "--sample-every", "3", "--batch-size", "2");
        Assert.True(code == 0, output + err);
        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report.json"))))
        {
            var r = report.RootElement;
            Assert.Equal("dcgan", r.GetProperty("mode").GetString());
            Assert.True(r.GetProperty("compactMacs").GetInt64() < r.GetProperty("fullMacs").GetInt64());
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "samples"), "*.png"));
        // DCGAN's fine-tune recipe was not measured, so the command line keeps the published one for it.
        Assert.Equal(CoroNetGAN.FinetuneRate.Continue, Trainer.ReadOptions(Trainer.Checkpoints(run)[^1]).EffectivePrune.FinetuneRate);
        Assert.Equal(FinetuneStart.Extracted, Trainer.ReadOptions(Trainer.Checkpoints(run)[^1]).EffectivePrune.FinetuneFrom);
        Assert.Equal(0, Trainer.ReadOptions(Trainer.Checkpoints(run)[^1]).EffectivePrune.EndFloor);
        Assert.Equal(FinetuneDiscriminator.Continue, Trainer.ReadOptions(Trainer.Checkpoints(run)[^1]).EffectivePrune.FinetuneD);

        string model = Path.Combine(run, "compact.safetensors");
        (code, output, err) = CliRunner.Run("info", "--model", model);
        Assert.True(code == 0, output + err);
        Assert.Contains("DcganGenerator", output);

        (code, _, err) = CliRunner.Run("translate", "--model", model, "--input", data, "--output", Path.Combine(_folders.Root, "out"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("generator from noise", err);

        (code, _, err) = CliRunner.Run("compress", "--model", model, "--data", data, "--mode", "dcgan", "--target-ratio", "0.5", "--steps", "2",
            "--out", Path.Combine(_folders.Root, "compressed"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.True(err.Contains("holds a DcganGenerator"), err);

        // FID (ResNet-18) of images from noise against the training images; eval sees the model is a generator from noise.
        (code, output, err) = CliRunner.Run("eval", "--model", model, "--data", data, "--device", "cpu", "--json", "--bootstrap", "0");
        Assert.True(code == 0, output + err);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(256, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(6, json.RootElement.GetProperty("realCount").GetInt32());
        Assert.True(json.RootElement.GetProperty("fidResNet18").GetDouble() > 0);
    }

    [Fact]
    public void DemoTrainsADcganOnTheEmbeddedEmojiAndWritesANoiseGridAndFid()
    {
        string root = Path.Combine(_folders.Root, "demo");
        var (code, output, err) = CliRunner.Run("demo", "--mode", "dcgan", "--steps", "4", "--out", root, "--device", "cpu");
        Assert.True(code == 0, output + err);
        Assert.True(File.Exists(Path.Combine(root, "noise-grid.png")));
        Assert.True(File.Exists(Path.Combine(root, "run", "compact.safetensors")));
        Assert.Contains("FID (ResNet-18) of 256 images from noise", output);
    }
}
