using BenchmarkDotNet.Attributes;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// The engine against ONNX Runtime on the same generator with the same weights (exported by CoroNetGAN.Onnx), batch 1,
/// inference. ONNX Runtime is the baseline, so the Ratio column is our time / theirs.
/// </summary>
[Config(typeof(GflopsConfig))]
public class PeerBenchmarks
{
    Device _device = null!;
    Module _model = null!;
    Tensor _x = null!;
    OnnxRuntimePeer _ort = null!;

    /// <summary>A <see cref="PeerCases"/> name.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "resnet9-256";

    /// <summary>Every case.</summary>
    public static IEnumerable<string> Cases() => PeerCases.Names;

    /// <summary>Backend name as given to Device.Create.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>cpu always; others from CORONETGAN_BENCH_DEVICES.</summary>
    public static IEnumerable<string> Backends() => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Create(Backend);
        (_model, int size) = PeerCases.Build(Case, _device);
        var input = PeerCases.Input(size);
        _x = Tensor.FromArray(_device, input, 1, 3, size, size);
        _ort = new OnnxRuntimePeer(_model, input, size);
    }

    /// <summary>ONNX Runtime's forward pass.</summary>
    [Benchmark(Baseline = true, Description = "ONNX Runtime 1.31.1")]
    public float[] OnnxRuntime() => _ort.Run();

    /// <summary>The engine's forward pass.</summary>
    [Benchmark(Description = "CoroNetGAN")]
    public void Engine()
    {
        using var scope = Tape.NoGrad();
        _model.Forward(_x);
        _device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort.Dispose();
        _model.Dispose();
        _x.Dispose();
        if (_device != Device.Cpu) _device.Dispose();
    }
}
