using BenchmarkDotNet.Attributes;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// The ResNet generator's dominant layer: conv 3x3, 256 -> 256 channels, on 1x256x64x64 (the residual blocks
/// at 256x256 input), forward and backward (input and weight gradients), per backend.
/// </summary>
[Config(typeof(GflopsConfig))]
public class ConvBenchmarks : ConvSuite
{
    /// <summary>Multiply-adds of the forward pass: 64*64 pixels x 256 out x 256 in x 9 taps.</summary>
    public const long Macs = 64L * 64 * 256 * 256 * 9;

    /// <summary>Backend name as given to Device.Create.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>
    /// The CPU paths added for issue 6 (Winograd, direct conv, packing across panels) on, or off (a device of its own) to time
    /// the GEMM paths they replaced in the same run.
    /// </summary>
    [Params(true, false)]
    public bool NewCpuPaths { get; set; } = true;

    /// <summary>cpu always; ILGPU devices when CORONETGAN_BENCH_DEVICES names them (ilgpu-cpu takes minutes here).</summary>
    public static IEnumerable<string> Backends() => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        Device = Device.Create(Backend, AbSwitches.Paths(NewCpuPaths));
        X = Tensor.RandomNormal(Device, 1, 0f, 1f, 1, 256, 64, 64);
        W = Tensor.RandomNormal(Device, 2, 0f, 0.02f, 256, 256, 3, 3);
        B = Tensor.RandomNormal(Device, 3, 0f, 0.02f, 256);
        Record(() => Ops.Conv2d(X, W, B, 1, 1));
    }

    /// <summary>y = conv2d(x, w, b).</summary>
    [Benchmark(Description = "conv3x3 256->256 64x64 forward"), GflopCount(2 * Macs)]
    public void Forward()
    {
        using var scope = Tape.NoGrad();
        using var y = Ops.Conv2d(X, W, B, 1, 1);
        Device.Synchronize();
    }

    /// <summary>Input, weight and bias gradients of one conv (the forward is not timed).</summary>
    [Benchmark(Description = "conv3x3 256->256 64x64 backward"), GflopCount(4 * Macs)]
    public void Backward() => BackwardOnce();

    [GlobalCleanup]
    public void Cleanup()
    {
        Release();
    }
}
