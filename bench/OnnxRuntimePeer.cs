using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace CoroNetGAN.Bench;

/// <summary>ONNX Runtime (CPU provider, all graph optimisations, one thread per core) running an exported generator.</summary>
public sealed class OnnxRuntimePeer : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly OrtValue _input;

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin after a run (its default). They keep spinning into the next
    /// engine's run when the two alternate, which cost ours up to 40% on 2 cores (compact ResNet-9: 68 against 48 ms),
    /// so the interleaved comparisons turn it off (CORONETGAN_ORT_SPIN=1 turns it back on).
    /// </summary>
    public static bool Spinning = Environment.GetEnvironmentVariable("CORONETGAN_ORT_SPIN") == "1";

    /// <summary>Exports <paramref name="model"/> (same weights) and opens it for input of <paramref name="batch"/> images of the given size.</summary>
    public OnnxRuntimePeer(Module model, float[] input, int size, int batch = 1)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Environment.ProcessorCount,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (!Spinning) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(OnnxExport.ToBytes(model), options);
        _input = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size]);
    }

    /// <summary>One inference; returns the output values.</summary>
    public float[] Run()
    {
        using var outputs = _session.Run(_run, [OnnxExport.InputName], [_input], [OnnxExport.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _input.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
