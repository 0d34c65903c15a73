using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// Losses stay on the device: a tape that defers its finite checks reads a step's losses with one device-to-host copy,
/// still reports a NaN loss as the loss op would have, and a whole training step reads only a fixed few times.
/// Each test opens its own device so that its <see cref="Device.HostReads"/> counts only its own reads.
/// </summary>
public sealed class HostReadTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-reads-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static Device OwnCpu() => Device.Create("cpu", BackendOptions.Default);

    [Theory]
    [MemberData(nameof(TestDevices.Each), MemberType = typeof(TestDevices))]
    public void ManyTensorsReadInOneCopyInOrder(string device)
    {
        var dev = TestDevices.Get(device);
        var rng = new Random(11);
        var tensors = new[] { 1, 5, 1, 48, 3 }.Select(n => Tensor.FromArray(dev, Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray(), n)).ToList();
        try
        {
            var expected = tensors.SelectMany(t => t.ToArray()).ToArray();
            Assert.Equal(expected, HostRead.Flat(tensors));
            Assert.Equal(tensors[3].ToArray(), HostRead.Flat([tensors[3]]));
            Assert.Empty(HostRead.Flat([]));
        }
        finally { foreach (var t in tensors) t.Dispose(); }
    }

    [Fact]
    public void ADeferringTapeReadsEveryLossAndCheckWithOneCopy()
    {
        using var dev = OwnCpu();
        var rng = new Random(4);
        float[] Data() => Enumerable.Range(0, 2 * 3 * 4 * 4).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        using var a = Tensor.FromArray(dev, Data(), 2, 3, 4, 4);
        using var b = Tensor.FromArray(dev, Data(), 2, 3, 4, 4);
        a.RequiresGrad = true;
        float l1Eager, mseEager, bceEager;
        using (var eager = new Tape())
        {
            l1Eager = Ops.L1Loss(a, b).Item();
            mseEager = Ops.MseLoss(a, b).Item();
            bceEager = Ops.BceWithLogitsLoss(a, b).Item();
        }
        a.ZeroGrad();

        using var tape = new Tape(deferFiniteChecks: true);
        long before = dev.HostReads;
        var l1 = Ops.L1Loss(a, b);
        var mse = Ops.MseLoss(a, b);
        var bce = Ops.BceWithLogitsLoss(a, b);
        var sum = Ops.Add(Ops.Add(l1, mse), bce);
        tape.Backward(sum);
        Assert.Equal(before, dev.HostReads);   // nothing read yet: four checks queued
        var values = tape.ReadScalars(l1, null, mse, bce);
        Assert.Equal(before + 1, dev.HostReads);
        Assert.Equal([l1Eager, 0f, mseEager, bceEager], values);
        Assert.Equal(l1Eager + mseEager + bceEager, tape.ReadScalars(sum)[0], 6);
        Assert.NotNull(a.Grad);
    }

    [Fact]
    public void ADeferredNaNLossThrowsAtTheReadAsTheLossOpWouldHave()
    {
        using var dev = OwnCpu();
        var data = new float[1 * 3 * 4 * 4];
        data[5] = float.NaN;
        using var a = Tensor.FromArray(dev, data, 1, 3, 4, 4);
        using var b = Tensor.Zeros(dev, 1, 3, 4, 4);
        string eager;
        using (new Tape()) eager = Assert.Throws<ArithmeticException>(() => Ops.L1Loss(a, b)).Message;
        using var tape = new Tape(deferFiniteChecks: true);
        var fine = Ops.MseLoss(b, b);      // finite, checked first
        var nan = Ops.L1Loss(a, b);        // the first non-finite one
        var nan2 = Ops.MseLoss(a, b);      // also NaN, but later
        var e = Assert.Throws<ArithmeticException>(() => tape.ReadScalars(fine, nan, nan2));
        Assert.Equal(eager, e.Message);
        Assert.Contains("l1_loss", e.Message);
        Assert.Contains("[1,3,4,4]", e.Message);
        // The checks were consumed: a second read of finite values succeeds.
        Assert.Equal([0f], tape.ReadScalars(fine));
    }

    [Fact]
    public void ADeferredNaNBackwardRootThrowsAtTheRead()
    {
        using var dev = OwnCpu();
        var data = new float[6];
        data[2] = float.NaN;
        using var x = Tensor.FromArray(dev, data, 1, 6);
        x.RequiresGrad = true;
        using var tape = new Tape(deferFiniteChecks: true);
        var loss = Ops.Mean(Ops.Tanh(x));
        tape.Backward(loss);
        var e = Assert.Throws<ArithmeticException>(() => tape.ReadScalars());
        Assert.Contains("mean", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    /// <summary>Host reads of the steps after the first (which may read once more for lazily built state).</summary>
    static List<long> ReadsPerStep(Trainer t, Device dev, int steps)
    {
        var reads = new List<long>();
        t.RunStep();
        for (int i = 0; i < steps; i++)
        {
            long before = dev.HostReads;
            t.RunStep();
            reads.Add(dev.HostReads - before);
        }
        return reads;
    }

    [Fact]
    public void ASearchStepReadsTheLatentsOnceMoreWhenItChecks()
    {
        using var dev = OwnCpu();
        var o = new TrainOptions(TrainMode.Pix2Pix, Size: 32, TotalSteps: 40, OutputDirectory: Path.Combine(_dir, "s"), Ngf: 4, Ndf: 4,
            Prune: new PruneOptions(TargetRatio: 0.3, Lambda: 1f, SearchShare: 1, MinChannels: 2, CheckEvery: 1));
        using var t = Trainer.Create(o, new SyntheticImages(4, 32, paired: true), device: dev);
        var reads = ReadsPerStep(t, dev, 3);
        Assert.Equal(Trainer.SearchPhase, t.Phase);
        Assert.All(reads, r => Assert.Equal(2, r));   // the losses, then every prunable latent in one read
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void ATrainingStepReadsTheDeviceAtMostOncePix2PixAndTwiceCycleGan(string device)
    {
        using var dev = device == "cpu" ? OwnCpu() : Device.Create(device);
        var p2p = new TrainOptions(TrainMode.Pix2Pix, Size: 32, TotalSteps: 5, OutputDirectory: Path.Combine(_dir, "p"), Ngf: 4, Ndf: 4, NoPrune: true);
        using (var t = Trainer.Create(p2p, new SyntheticImages(4, 32, paired: true), device: dev))
            Assert.All(ReadsPerStep(t, dev, 3), r => Assert.Equal(1, r));
        // CycleGAN reads its fakes for the image pools (one read for both) and then its losses.
        var cycle = new TrainOptions(TrainMode.CycleGan, Size: 32, TotalSteps: 5, OutputDirectory: Path.Combine(_dir, "c"), Ngf: 4, Ndf: 4,
            NetG: GeneratorArch.Resnet6, PoolSize: 2, NoPrune: true);
        using (var t = Trainer.Create(cycle, new SyntheticImages(4, 32, paired: false), device: dev))
            Assert.All(ReadsPerStep(t, dev, 3), r => Assert.Equal(2, r));
    }
}
