namespace CoroNetGAN.Onnx;

/// <summary>Settings of an ONNX export (<see cref="OnnxExport"/>).</summary>
/// <remarks>An immutable record: safe to share between threads.</remarks>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Store the conv and transposed-conv kernels as float16, which halves the file. The arithmetic stays float32: each
    /// float16 kernel feeds a Cast to float32, which ONNX Runtime folds once when it creates the session (so a session
    /// runs as fast as one of the float32 file and holds float32 weights in memory), and biases, norm parameters and
    /// BatchNorm statistics stay float32. Input and output are float32 either way. The output differs from the float32
    /// file only through the kernels' rounding to 11 significant bits: on ResNet and U-Net generators of the tests, by
    /// at most 7.7e-3 (mean 6e-4) on outputs in [-1, 1]. Default false (everything float32).
    /// </summary>
    /// <remarks>
    /// Why not float16 arithmetic: ONNX Runtime's CPU execution provider (1.31.1 on x64) has no float16 kernel for
    /// Conv, ConvTranspose, InstanceNormalization, BatchNormalization, Pad, Relu, LeakyRelu, Tanh or Add (only Concat).
    /// A float16 graph still loads there, because ONNX Runtime inserts Casts and runs each of those nodes in float32,
    /// but it gains nothing on the CPU, and BatchNorm statistics stored in float16 made it less accurate (1.0e-2 against
    /// 6.1e-3 on the same ResNet). For float16 arithmetic on a GPU execution provider, convert the float32 file with
    /// ONNX's float16 tools.
    /// </remarks>
    public bool Fp16 { get; init; }

    /// <summary>The model's <c>producer_name</c> (default <c>CoroNetGAN</c>).</summary>
    public string ProducerName { get; init; } = "CoroNetGAN";
}
