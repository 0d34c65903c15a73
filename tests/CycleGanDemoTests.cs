using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan demo --mode cyclegan at toy length: the recipe it trains with and the grid it writes.</summary>
public sealed class CycleGanDemoTests : IDisposable
{
    readonly DataTestFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void DemoTrainsTheCycleGanRecipeItPrintsAndWritesATestGrid()
    {
        string root = _folders.Dir("demo");
        var (code, output, err) = CliRunner.Run("demo", "--mode", "cyclegan", "--steps", "4", "--no-baseline", "--out", root, "--device", "cpu");
        Assert.True(code == 0, output + err);
        Assert.True(File.Exists(Path.Combine(root, "test-grid.png")));
        Assert.Contains("4 steps at 64x64 (generator unet ngf 16, PatchGAN ndf 32 with 2 layers, learning rate 0.0005)", output);

        // What the run really trained with, read back from its checkpoint rather than from the demo's own printout.
        string checkpoint = Trainer.Checkpoints(Path.Combine(root, "run"))[^1];
        var saved = Trainer.ReadOptions(checkpoint);
        Assert.Equal((64, 16, GeneratorArch.Unet, 32, 2, 5e-4f, 4), (saved.Size, saved.Ngf, saved.EffectiveNetG, saved.Ndf, saved.LayersD, saved.LearningRate, saved.TotalSteps));
        // train's recipe defaults for cyclegan, not the engine's published ones.
        var p = saved.EffectivePrune;
        Assert.Equal((0.25, 0.4, 0.75), (p.TargetRatio, p.SearchShare, p.EndFloor));
        Assert.Equal((FinetuneStart.Hyper, FinetuneRate.Restart, FinetuneDiscriminator.Continue, 3f), (p.FinetuneFrom, p.FinetuneRate, p.FinetuneD, p.FinetuneDistill));
        var file = SafeTensorsFile.Read(checkpoint);
        Assert.Equal([32, 3, 4, 4], file["D_A.model.0.weight"].Shape);
        Assert.DoesNotContain(file.Names, n => n.StartsWith("D_A.model.11.", StringComparison.Ordinal));
    }
}
