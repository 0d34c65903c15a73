using BenchmarkDotNet.Attributes;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Bench;

/// <summary>
/// One CycleGAN training step of the real trainer (two ResNet-6 ngf 16 generators, two PatchGANs ndf 16, 64x64,
/// batch 1, the embedded demo data, data loading included), plain and as a hypernetwork search step (weights
/// generated from the latent vectors every step, proximal step included), per backend. The <c>train-steps</c> mode
/// times the same steps inside a whole run (and memory); this suite gives BenchmarkDotNet's statistics.
/// </summary>
[Config(typeof(GflopsConfig))]
public class TrainStepBenchmarks
{
    string _root = null!;
    Trainer _trainer = null!;

    /// <summary>Backend name as given to Device.Create.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Plain steps (full-width generators) or hypernetwork search steps.</summary>
    [Params(false, true)]
    public bool Search { get; set; }

    /// <summary>cpu always; others from CORONETGAN_BENCH_DEVICES.</summary>
    public static IEnumerable<string> Backends() => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), $"train-step-bench-{Guid.NewGuid():N}");
        string data = DemoData.Extract(TrainingRuns.ModeName(TrainMode.CycleGan), Path.Combine(_root, "data"));
        // A budget no benchmark reaches: the learning rate stays flat and the search never ends.
        var options = TrainSteps.Options(TrainMode.CycleGan, 1_000_000, Path.Combine(_root, "run"), Search);
        _trainer = TrainingRuns.Start(options, data, Device.Create(Backend), loadSize: 64).Trainer;
        for (int i = 0; i < 10; i++) _trainer.StepForBenchmark();
    }

    /// <summary>One step: D and G updates of both directions.</summary>
    [Benchmark(Description = "CycleGAN step, ResNet-6 ngf16 + PatchGAN ndf16, 64x64")]
    public void Step() => _trainer.StepForBenchmark();

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
