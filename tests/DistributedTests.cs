using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Distributed;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Engine.Training;
using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN.Tests;

/// <summary>The parts of data-parallel training that need no MPI: sharding, the fused gradient average, rank sync, the watchdog.</summary>
public class DistributedTests
{
    /// <summary>Images that say which sample and augmentation seed made them.</summary>
    sealed class LabelledData(int count) : IImageDataset
    {
        public int Count => count;
        public int Size => 4;
        public bool Paired => true;

        public ImagePair Load(int index, uint augmentationSeed)
        {
            var a = new float[3 * 4 * 4];
            a[0] = index;
            a[1] = augmentationSeed & 0xffff;
            a[2] = augmentationSeed >> 16;
            return new ImagePair(a, (float[])a.Clone());
        }
    }

    [Theory]
    [InlineData(false, 2, 1)]
    [InlineData(false, 3, 2)]
    [InlineData(true, 3, 2)]
    public void RanksTogetherLoadTheGlobalBatchOfOneProcess(bool serial, int ranks, int batch)
    {
        var data = new LabelledData(7);   // not a multiple of the global batch: shards cross epoch boundaries
        var single = new DataLoader(data, ranks * batch, seed: 5, serial);
        var shards = Enumerable.Range(0, ranks).Select(r => new DataLoader(data, batch, seed: 5, serial, r, ranks)).ToArray();
        for (long step = 0; step < 9; step++)
        {
            var all = single.BatchAt(step);
            var joined = shards.SelectMany(s => s.BatchAt(step).A).ToArray();
            Assert.Equal(all.A, joined);
            Assert.Equal([batch, 3, 4, 4], shards[ranks - 1].BatchAt(step).Shape);
        }
    }

    [Fact]
    public void ShardArgumentsAreChecked()
    {
        Assert.Throws<ArgumentException>(() => new DataLoader(new LabelledData(3), 1, 0, rank: 2, ranks: 2));
        Assert.Throws<ArgumentException>(() => new DataLoader(new LabelledData(3), 1, 0, rank: 0, ranks: 0));
    }

    static Tensor Param(float[] values, float[]? grad)
    {
        var p = Tensor.FromArray(Device.Cpu, values, values.Length);
        if (grad != null) p.Grad = Tensor.FromArray(Device.Cpu, grad, grad.Length);
        return p;
    }

    [Fact]
    public void GradientsAreAveragedInFewCallsAndNullsAreHandledAlikeOnEveryRank()
    {
        var ranks = InProcessGroup.Create(2);
        var results = new float[2][][];
        var nulls = new bool[2][];
        var averagers = new GradientAverager[2];
        InProcessGroup.Run(ranks, c =>
        {
            int r = c.Rank;
            // w1: both ranks have a gradient; w2: only rank 1; w3: none; w4 large enough to span several chunks.
            var w4grad = Enumerable.Range(0, 50).Select(i => (float)(i * (r + 1))).ToArray();
            var ps = new List<KeyValuePair<string, Tensor>>
            {
                new("w1", Param([1, 2, 3], r == 0 ? [1, 2, 3] : [3, 4, 5])),
                new("w2", Param([1, 1], r == 1 ? [4, 8] : null)),
                new("w3", Param([7], null)),
                new("w4", Param(new float[50], w4grad)),
            };
            var avg = new GradientAverager(c, chunkFloats: 16);
            avg.Average(ps);
            averagers[r] = avg;
            results[r] = ps.Select(p => p.Value.Grad?.ToArray() ?? []).ToArray();
            nulls[r] = ps.Select(p => p.Value.Grad == null).ToArray();
        });
        for (int r = 0; r < 2; r++)
        {
            Assert.Equal([2f, 3f, 4f], results[r][0]);
            Assert.Equal([2f, 4f], results[r][1]);     // the missing gradient counts as zero, and rank 0 now has one
            Assert.Equal([false, false, true, false], nulls[r]);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 1.5f).ToArray(), results[r][3]);
            // 3 + 2 + 1 + 50 values and 4 flags = 60 floats in chunks of 16: 4 calls, not one per tensor.
            Assert.Equal(4, averagers[r].AllReduceCalls);
            Assert.Equal(60 * 4, averagers[r].Bytes);
        }
    }

    [Fact]
    public void PackingPutsGradientsInOrderThenFlags()
    {
        var ps = new List<KeyValuePair<string, Tensor>> { new("a", Param([0, 0], [1, 2])), new("b", Param([0], null)), new("c", Param([0], [3])) };
        var buffer = new float[GradientAverager.PackedLength(ps)];
        GradientAverager.Pack(ps, buffer);
        Assert.Equal([1f, 2f, 0f, 3f, 1f, 0f, 1f], buffer);
        for (int i = 0; i < 4; i++) buffer[i] *= 4;
        buffer[5] = 0;
        GradientAverager.Unpack(ps, buffer, ranks: 4);
        Assert.Equal([1f, 2f], ps[0].Value.Grad!.ToArray());
        Assert.Null(ps[1].Value.Grad);
        Assert.Equal([3f], ps[2].Value.Grad!.ToArray());
    }

    [Fact]
    public void RunningStatisticsAreAveragedAndWeightsCompared()
    {
        var ranks = InProcessGroup.Create(3);
        var averaged = new float[3][];
        var agree = new bool[3];
        var disagree = new bool[3];
        InProcessGroup.Run(ranks, c =>
        {
            var stats = Tensor.FromArray(Device.Cpu, [c.Rank, 2 * c.Rank], 2);
            RankSync.Average(c, [stats]);
            averaged[c.Rank] = stats.ToArray();
            var same = Tensor.FromArray(Device.Cpu, [1f, 2f], 2);
            agree[c.Rank] = RankSync.Agree(c, RankSync.Fingerprint([same]));
            var differs = Tensor.FromArray(Device.Cpu, [1f, c.Rank == 2 ? 2.0000002f : 2f], 2);
            disagree[c.Rank] = RankSync.Agree(c, RankSync.Fingerprint([differs]));
        });
        Assert.All(averaged, a => Assert.Equal([1f, 2f], a));
        Assert.All(agree, Assert.True);
        Assert.All(disagree, Assert.False);   // every rank learns of the difference, not only the odd one out
    }

    [Fact]
    public void WatchdogFiresOnlyForACollectiveThatWaitsTooLong()
    {
        string? message = null;
        using var fired = new ManualResetEventSlim();
        using (var dog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(200), m => { message = m; fired.Set(); }))
        {
            for (int i = 0; i < 5; i++)
            {
                dog.Enter("all-reduce");
                Thread.Sleep(60);
                dog.Exit();
                Thread.Sleep(100);   // time between collectives does not count
            }
            Assert.False(dog.Fired);
            dog.Enter("all-reduce of 10 floats");
            Assert.True(fired.Wait(TimeSpan.FromSeconds(5)));
            Assert.True(dog.Fired);
        }
        Assert.Contains("all-reduce of 10 floats has waited", message);
        Assert.Contains("a rank has hung or died", message);
    }
}

/// <summary>How a trainer refuses a group of the wrong size, and the command line without MPI.</summary>
public class DistributedTrainerTests
{
    static TrainOptions Options(string dir, int ranks) => new(TrainMode.Pix2Pix, 32, 4, dir, Ngf: 4, Ndf: 8, Norm: NormKind.Instance, Ranks: ranks);

    [Fact]
    public void ARunOfTwoRanksNeedsAGroupOfTwo()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"dist-ranks-{Guid.NewGuid():N}");
        using var t = Trainer.Create(Options(dir, 2), new SyntheticImages(4, 32, paired: true));
        var e = Assert.Throws<ArgumentException>(() => t.Distribute(InProcessGroup.Create(1)[0]));
        Assert.Contains("mpirun -np 2", e.Message);
        Assert.Throws<InvalidOperationException>(() => t.RunStep());   // not distributed: it must not train alone
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any());
    }

    [Fact]
    public void DistributedWithoutMpiIsAClearErrorWithoutAStackTrace()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(MpiJob.Cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "train", "--mode", "pix2pix", "--data", "nowhere", "--out", "nowhere", "--steps", "1", "--distributed" }) psi.ArgumentList.Add(a);
        psi.Environment["CORONETGAN_MPI_LIBRARY"] = "libcoronetgan-no-such-mpi.so";
        using var p = System.Diagnostics.Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--distributed: Distributed training needs MPI", err);
        Assert.Contains("mpirun -np N coronetgan train ... --distributed", err);
        Assert.Contains("apt-get install openmpi-bin", err);
        Assert.DoesNotContain("   at ", err);
    }
}
