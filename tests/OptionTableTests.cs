using System.Text.RegularExpressions;

namespace CoroNetGAN.Tests;

/// <summary>README's table of pytorch-CycleGAN options and `train --help` stay in step.</summary>
public class OptionTableTests
{
    [Fact]
    public void EveryOptionInReadmesTableExistsOnTrainAndEveryRecipeOptionIsInTheTable()
    {
        string readme = File.ReadAllText(Path.Combine(SharedFiles.RepoRoot, "README.md"));
        int start = readme.IndexOf("| pytorch-CycleGAN-and-pix2pix | coronetgan train | note |", StringComparison.Ordinal);
        Assert.True(start >= 0, "README lost its option table");
        var rows = readme[start..].Split('\n').Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();
        var ours = rows.SelectMany(r => Regex.Matches(Regex.Split(r, @"(?<!\\)\|")[2], "--[a-z0-9-]+").Select(m => m.Value)).ToHashSet();

        var (code, help, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        var offered = Regex.Matches(help, @"^\s+(--[a-z0-9-]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Empty(ours.Except(offered));
        // Every option train offers is in the table or is one of the engine's own (search, run and device handling), so a
        // new training option cannot be added without saying what it maps to.
        string[] own = ["--search-share", "--lambda", "--prune-pressure", "--end-floor", "--layer-floor", "--search-until", "--search-mask", "--finetune-lr", "--finetune-from", "--finetune-d", "--finetune-distill", "--finetune-distill-schedule", "--skip-bad-images", "--seed", "--checkpoint-every", "--sample-every", "--target-ratio",
            "--target-gmacs", "--no-prune", "--widths", "--overwrite", "--distributed", "--watchdog-seconds", "--help", "--verbose"];
        var notInTable = offered.Where(n => !ours.Contains(n) && !own.Contains(n)).ToList();
        Assert.Empty(notInTable);
    }

    [Fact]
    public void DirectionAndNoFlipReachTheTrainingData()
    {
        string data = Path.Combine(SharedFiles.RepoRoot, "data", "emoji-skintone");
        var (train, test) = TrainingRuns.OpenData(data, TrainMode.CycleGan, 64, loadSize: 64, btoA: true, flip: false);
        var un = (Engine.Data.UnalignedFolderDataset)train;
        Assert.EndsWith("trainB", un.FolderA);
        Assert.EndsWith("testB", ((Engine.Data.UnalignedFolderDataset)test!).FolderA);
        // Without flips and crops a sample's A image no longer depends on the augmentation seed.
        Assert.Equal(train.Load(3, 1).A, train.Load(3, 987654).A);
        var (flipping, _) = TrainingRuns.OpenData(data, TrainMode.CycleGan, 64, loadSize: 64);
        Assert.Contains(Enumerable.Range(1, 20), seed => !flipping.Load(3, (uint)seed).A.SequenceEqual(flipping.Load(3, 0).A));
    }
}

/// <summary>Batches above 1 train on every test device (opencl in CI), a BatchNorm U-Net at batch 4 as pix2pix users run it.</summary>
public class BatchTrainingTests
{
    public static IEnumerable<object[]> Modes => TestDevices.Cross([TrainMode.Pix2Pix], [TrainMode.CycleGan]);

    [Theory]
    [MemberData(nameof(Modes))]
    public void BatchOfFourTrainsAndSearchesOnEveryDevice(string device, TrainMode mode)
    {
        var r = new Random(4);
        var samples = Enumerable.Range(0, 8).Select(_ => new ImagePair(
            Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray(),
            Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray())).ToList();
        var data = new Engine.Data.InMemoryDataset(samples, 32, paired: mode == TrainMode.Pix2Pix);
        var options = new TrainOptions(mode, 32, 3, Path.Combine(Path.GetTempPath(), "coronetgan-unwritten"), Ngf: 4, Ndf: 4,
            NetG: mode == TrainMode.CycleGan ? GeneratorArch.Resnet6 : null, BatchSize: 4,
            Prune: new PruneOptions(TargetRatio: 0.6, CheckEvery: 1));
        using var trainer = Engine.Training.Trainer.Create(options, data, null, TestDevices.Get(device));
        for (int i = 0; i < 3; i++)
        {
            var p = trainer.RunStep();
            Assert.All(trainer.LastStepLosses.Values, v => Assert.True(float.IsFinite(v), $"a loss is {v} at step {p.Step}"));
        }
        Assert.Equal(3, trainer.Step);
    }
}
