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
public class LayerBenchmarks : ConvSuite, IFlopsByCase
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
        var (c, h, o, k, _, _, t, _) = Shapes[Layer];
        Device = Device.Create(Backend);
        X = Tensor.RandomNormal(Device, 1, 0f, 1f, 1, c, h, h);
        W = t ? Tensor.RandomNormal(Device, 2, 0f, 0.02f, c, o, k, k) : Tensor.RandomNormal(Device, 2, 0f, 0.02f, o, c, k, k);
        B = Tensor.RandomNormal(Device, 3, 0f, 0.02f, o);
        Record(Run);
    }

    Tensor Run()
    {
        var (_, _, _, _, s, p, t, op) = Shapes[Layer];
        return t ? Ops.ConvTranspose2d(X, W, B, s, p, op) : Ops.Conv2d(X, W, B, s, p);
    }

    /// <summary>The layer's forward pass.</summary>
    [Benchmark]
    public void Forward()
    {
        using var scope = Tape.NoGrad();
        using var y = Run();
        Device.Synchronize();
    }

    /// <summary>Input, weight and bias gradients (the forward is recorded once and not timed).</summary>
    [Benchmark]
    public void Backward() => BackwardOnce();

    [GlobalCleanup]
    public void Cleanup() => Release();
}
