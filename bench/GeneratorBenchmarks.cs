using BenchmarkDotNet.Attributes;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// One full inference forward pass (batch 1, 256x256, no tape) of the two reference generators at full width:
/// ResNet-9 (ngf 64, instance norm) and U-Net-256 (ngf 64, batch norm in eval mode). GFLOP/s counts the true
/// multiply-adds (transposed convs from their input): 49.55 G and 6.05 G.
/// </summary>
[Config(typeof(GflopsConfig))]
public class GeneratorBenchmarks
{
    Device _device = null!;
    Module _resnet = null!, _unet = null!;
    Tensor _x = null!;

    /// <summary>Backend name as given to Device.Create.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>
    /// The CPU paths added for issue 6 (Winograd, direct conv, packing across panels) on, or off (a device of its own) to time
    /// the GEMM paths they replaced in the same run.
    /// </summary>
    [Params(true, false)]
    public bool NewCpuPaths { get; set; } = true;

    /// <summary>cpu always; others from CORONETGAN_BENCH_DEVICES.</summary>
    public static IEnumerable<string> Backends() => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create(Backend, AbSwitches.Paths(NewCpuPaths));
        _resnet = new ResnetGenerator(new ResnetGeneratorConfig(), _device, seed: 1).Eval();
        _unet = new UnetGenerator(new UnetGeneratorConfig(), _device, seed: 2).Eval();
        _x = Tensor.RandomUniform(_device, 3, -1f, 1f, 1, 3, 256, 256);
    }

    /// <summary>ResNet-9 generator forward.</summary>
    [Benchmark(Description = "ResNet-9 ngf64 256x256 forward"), GflopCount(2 * 49_551_507_456L)]
    public void Resnet9() => Run(_resnet);

    /// <summary>U-Net-256 generator forward.</summary>
    [Benchmark(Description = "U-Net-256 ngf64 256x256 forward"), GflopCount(2 * 6_048_186_368L)]
    public void Unet256() => Run(_unet);

    void Run(Module model)
    {
        using var scope = Tape.NoGrad();
        model.Forward(_x);
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resnet.Dispose();
        _unet.Dispose();
        _x.Dispose();
        if (_device != Device.Cpu) _device.Dispose();
    }
}
