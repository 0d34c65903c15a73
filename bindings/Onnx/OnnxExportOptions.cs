namespace CoroNetGAN.Onnx;

/// <summary>Settings of an ONNX export (<see cref="OnnxExport"/>).</summary>
/// <remarks>An immutable record: safe to share between threads.</remarks>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Store the conv and transposed-conv kernels as float16, which halves the file. The graph still computes in
    /// float32: each float16 kernel feeds a Cast to float32 (ONNX Runtime folds these once, when the session is
    /// created), and biases, norm parameters and statistics stay float32. The output differs from the float32
    /// file only by the rounding of the kernels to float16 (about 3 significant digits). Input and output are
    /// float32 either way. Why not float16 arithmetic: ONNX Runtime's CPU execution provider (1.31, x64) has no
    /// float16 kernel for Conv, ConvTranspose, InstanceNormalization, BatchNormalization, Pad, Relu, LeakyRelu, Tanh
    /// or Add; it would wrap every such node in Casts and compute it in float32 anyway, slower and with every
    /// activation rounded to float16 in between. Default false (everything float32).
    /// </summary>
    public bool Fp16 { get; init; }

    /// <summary>The model's <c>producer_name</c> (default <c>CoroNetGAN</c>).</summary>
    public string ProducerName { get; init; } = "CoroNetGAN";
}
