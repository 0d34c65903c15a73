using BenchmarkDotNet.Attributes;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Ops;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// The reference generators' other layer kinds at 256x256 input, forward and backward (input, weight and bias
/// gradients), per backend: ResNet-9's first and last 7x7 convs (on reflection-padded input), its stride-2 down conv
/// and 3x3 transposed up conv, U-Net-256's 4x4 stride-2 down conv and 4x4 transposed up conv at their largest.
/// GFLOP/s counts true multiply-adds (a transposed conv's from its input).
/// </summary>
[Config(typeof(GflopsConfig))]
public class LayerBenchmarks : IFlopsByCase
{
    /// <summary>
    /// The layers (short names: BenchmarkDotNet cuts long parameter values): input [C, H], output channels, kernel,
    /// stride, padding, transposed, output padding. r9-first-7x7: 3 -> 64 on 262x262 (reflection-padded), r9-last-7x7:
    /// 64 -> 3 on 262x262, r9-down-s2: 3x3 stride 2, 128 -> 256 at 128x128, r9-up-T3x3: transposed 3x3 stride 2, 256 ->
    /// 128 from 64x64, unet-down-4x4: 4x4 stride 2, 128 -> 256 at 64x64, unet-up-T4x4: transposed 4x4 stride 2,
    /// 1024 -> 256 from 16x16.
    /// </summary>
    static readonly Dictionary<string, (int C, int H, int O, int K, int S, int P, bool T, int Op)> Shapes = new()
    {
        ["r9-first-7x7"] = (3, 262, 64, 7, 1, 0, false, 0),
        ["r9-last-7x7"] = (64, 262, 3, 7, 1, 0, false, 0),
        ["r9-down-s2"] = (128, 128, 256, 3, 2, 1, false, 0),
        ["r9-up-T3x3"] = (256, 64, 128, 3, 2, 1, true, 1),
        ["unet-down-4x4"] = (128, 64, 256, 4, 2, 1, false, 0),
        ["unet-up-T4x4"] = (1024, 16, 256, 4, 2, 1, true, 0),
    };

    Device _device = null!;
    Tensor _x = null!, _w = null!, _b = null!, _dy = null!, _y = null!;
    Tape _tape = null!;

    /// <summary>Which layer (a key of the shape table).</summary>
    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "r9-first-7x7";

    /// <summary>Backend name as given to Device.Create.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Every layer of the table.</summary>
    public static IEnumerable<string> Layers() => Shapes.Keys;

    /// <summary>cpu always; others from CORONETGAN_BENCH_DEVICES.</summary>
    public static IEnumerable<string> Backends() => BenchDevices.Names();

    /// <inheritdoc />
    public long Flops(string method)
    {
        var (c, h, o, k, s, p, t, _) = Shapes[Layer];
        // Output pixels of the conv, or input pixels of the transposed conv: each meets C*O*K*K multiply-adds.
        long pixels = t ? (long)h * h : (long)((h + 2 * p - k) / s + 1) * ((h + 2 * p - k) / s + 1);
        long macs = pixels * c * o * k * k;
        return (method == nameof(Backward) ? 4 : 2) * macs;
    }

    [GlobalSetup]
    public void Setup()
    {
        var (c, h, o, k, s, p, t, op) = Shapes[Layer];
        _device = Device.Create(Backend);
        _x = Tensor.RandomNormal(_device, 1, 0f, 1f, 1, c, h, h);
        _w = t ? Tensor.RandomNormal(_device, 2, 0f, 0.02f, c, o, k, k) : Tensor.RandomNormal(_device, 2, 0f, 0.02f, o, c, k, k);
        _b = Tensor.RandomNormal(_device, 3, 0f, 0.02f, o);
        _x.RequiresGrad = _w.RequiresGrad = _b.RequiresGrad = true;
        _tape = new Tape();
        _y = Run();
        _dy = Tensor.RandomNormal(_device, 4, 0f, 1f, _y.Shape.ToArray());
    }

    Tensor Run()
    {
        var (_, _, _, _, s, p, t, op) = Shapes[Layer];
        return t ? Ops.ConvTranspose2d(_x, _w, _b, s, p, op) : Ops.Conv2d(_x, _w, _b, s, p);
    }

    /// <summary>The layer's forward pass.</summary>
    [Benchmark]
    public void Forward()
    {
        using var scope = Tape.NoGrad();
        using var y = Run();
        _device.Synchronize();
    }

    /// <summary>Input, weight and bias gradients (the forward is recorded once and not timed).</summary>
    [Benchmark]
    public void Backward()
    {
        _tape.Backward(_y, _dy);
        _device.Synchronize();
        _x.ZeroGrad();
        _w.ZeroGrad();
        _b.ZeroGrad();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tape.Dispose();
        foreach (var t in new[] { _x, _w, _b, _dy }) t.Dispose();
        if (_device != Device.Cpu) _device.Dispose();
    }
}
