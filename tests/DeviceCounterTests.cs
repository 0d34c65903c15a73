using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// The device counters (issue 19.4): a training step on an ILGPU device waits for the device at most twice, and
/// once the first steps have filled the pool every buffer comes from it and nothing else is allocated. Uploads are
/// queued, not waited for, and still deliver what the host span held when the call returned.
/// </summary>
public sealed class DeviceCounterTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-counters-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void UploadsAreQueuedAndReadBackAsTheyWereWhenUploaded()
    {
        using var dev = Device.Create("ilgpu-cpu");
        var host = Enumerable.Range(0, 37).Select(i => (float)i).ToArray();
        var before = dev.Counters;
        using var a = Tensor.FromArray(dev, host, 37);
        host.AsSpan().Fill(-1);                    // the upload must not see this
        using var b = Tensor.FromArray(dev, host, 37);
        using var sum = Ops.Add(a, b);
        var queued = dev.Counters.Since(before);
        Assert.Equal(0, queued.Syncs);
        Assert.Equal(0, queued.HostReads);
        Assert.Equal(Enumerable.Range(0, 37).Select(i => i - 1f).ToArray(), sum.ToArray());
        var read = dev.Counters.Since(before);
        Assert.Equal(1, read.Syncs);
        Assert.Equal(1, read.HostReads);
        Assert.Equal(2, read.Allocations);         // one staging buffer per upload in flight at once
        // After the read both staging buffers are free again: the same two uploads allocate nothing more.
        var again = dev.Counters;
        using var c = Tensor.FromArray(dev, host, 37);
        using var d = Tensor.FromArray(dev, host, 37);
        Assert.Equal(-1f, d.ToArray()[36]);
        Assert.Equal(0, dev.Counters.Since(again).Allocations);
        dev.Synchronize();
        Assert.Equal(2, dev.Counters.Since(again).Syncs);
    }

    [Fact]
    public void ThePoolCountsHitsAndMisses()
    {
        using var dev = Device.Create("cpu", BackendOptions.Default);
        var before = dev.Counters;
        Tensor.Zeros(dev, 5, 7).Dispose();         // a miss, then back to the pool
        using var t = Tensor.Zeros(dev, 7, 5);     // same length: a hit
        var c = dev.Counters.Since(before);
        Assert.Equal((1, 1), (c.PoolHits, c.PoolMisses));
        Assert.Equal(0.5, c.PoolHitRate);
        Assert.Equal(0, c.Syncs);
    }

    static List<DeviceCounters> CountersPerStep(Trainer t, Device dev, int warmup, int steps)
    {
        for (int i = 0; i < warmup; i++) t.RunStep();
        var list = new List<DeviceCounters>();
        for (int i = 0; i < steps; i++)
        {
            var before = dev.Counters;
            t.RunStep();
            list.Add(dev.Counters.Since(before));
        }
        return list;
    }

    [Fact]
    public void ASteadyTrainingStepOnIlgpuSyncsAtMostTwiceAndAllocatesNothing()
    {
        using var dev = Device.Create("ilgpu-cpu");
        var p2p = new TrainOptions(TrainMode.Pix2Pix, Size: 32, TotalSteps: 6, OutputDirectory: Path.Combine(_dir, "p"), Ngf: 4, Ndf: 4, NoPrune: true);
        using (var t = Trainer.Create(p2p, new SyntheticImages(4, 32, paired: true), device: dev))
            Assert.All(CountersPerStep(t, dev, 2, 3), c =>
            {
                Assert.Equal(1, c.Syncs);          // the losses' one read
                Assert.Equal(0, c.PoolMisses);
                Assert.True(c.PoolHits > 100, c.ToString());
                Assert.Equal(0, c.Allocations);
            });
        var cycle = new TrainOptions(TrainMode.CycleGan, Size: 32, TotalSteps: 6, OutputDirectory: Path.Combine(_dir, "c"), Ngf: 4, Ndf: 4,
            NetG: GeneratorArch.Resnet6, PoolSize: 2, NoPrune: true);
        using (var t = Trainer.Create(cycle, new SyntheticImages(4, 32, paired: false), device: dev))
            Assert.All(CountersPerStep(t, dev, 2, 3), c =>
            {
                Assert.Equal(2, c.Syncs);          // the fakes for the image pools, then the losses
                Assert.Equal(0, c.PoolMisses);
                Assert.Equal(0, c.Allocations);
            });
    }
}
