using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Bench;

/// <summary>
/// What the conv-layer suites share: one recorded forward whose backward each invocation replays (input, weight and
/// bias gradients; the forward is not timed), and the cleanup.
/// </summary>
public abstract class ConvSuite
{
    protected Device Device = null!;
    protected Tensor X = null!, W = null!, B = null!, Dy = null!, Y = null!;
    protected Tape Tape = null!;

    /// <summary>Records <paramref name="forward"/> on a fresh tape (x, w, b requiring gradients) and draws dy of its shape.</summary>
    protected void Record(Func<Tensor> forward)
    {
        X.RequiresGrad = W.RequiresGrad = B.RequiresGrad = true;
        Tape = new Tape();
        Y = forward();
        Dy = Tensor.RandomNormal(Device, 4, 0f, 1f, Y.Shape.ToArray());
    }

    /// <summary>One backward pass through the recorded forward, then the gradients cleared for the next.</summary>
    protected void BackwardOnce()
    {
        Tape.Backward(Y, Dy);
        Device.Synchronize();
        X.ZeroGrad();
        W.ZeroGrad();
        B.ZeroGrad();
    }

    /// <summary>Frees the tape, the tensors and a non-CPU device.</summary>
    protected void Release()
    {
        Tape.Dispose();
        foreach (var t in new[] { X, W, B, Dy }) t.Dispose();
        if (Device != Device.Cpu) Device.Dispose();
    }
}
