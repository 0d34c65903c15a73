using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>ReLU.</summary>
    public static Tensor Relu(Tensor x)
    {
        var dev = Checks.SameDevice("relu", ("input", x));
        var y = Tensor.Empty(dev, x.Dims);
        dev.Backend.ReluForward(x.Storage, y.Storage, x.Length);
        if (Tape.ShouldRecord(x))
            Tape.Record("relu", y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.ReluBackward(x.Storage, dy.Storage, grads[0]!.Storage, x.Length);
            });
        return y;
    }

    /// <summary>LeakyReLU with the given negative slope (0.2 in the reference GANs).</summary>
    public static Tensor LeakyRelu(Tensor x, float slope = 0.2f)
    {
        var dev = Checks.SameDevice("leaky_relu", ("input", x));
        var y = Tensor.Empty(dev, x.Dims);
        dev.Backend.LeakyReluForward(x.Storage, y.Storage, x.Length, slope);
        OpCounter.Elementwise("leaky_relu", y);
        if (Tape.ShouldRecord(x))
            Tape.Record("leaky_relu", y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.LeakyReluBackward(x.Storage, dy.Storage, grads[0]!.Storage, x.Length, slope);
            });
        return y;
    }

    /// <summary>tanh; its gradient uses the output, so the input can be freed early.</summary>
    public static Tensor Tanh(Tensor x)
    {
        var dev = Checks.SameDevice("tanh", ("input", x));
        var y = Tensor.Empty(dev, x.Dims);
        dev.Backend.TanhForward(x.Storage, y.Storage, x.Length);
        if (Tape.ShouldRecord(x))
            Tape.Record("tanh", y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.TanhBackward(y.Storage, dy.Storage, grads[0]!.Storage, x.Length);
            });
        return y;
    }

    /// <summary>
    /// Inverted dropout: in training each element is zeroed with probability p and the rest scaled by 1/(1-p),
    /// with a mask that is a pure function of (seed, element index), so it is the same on every device.
    /// Outside training it returns x unchanged (the same tensor).
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, uint seed, bool training = true)
    {
        const string op = "dropout";
        var dev = Checks.SameDevice(op, ("input", x));
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"{op}: probability {p} must be in [0, 1).");
        if (!training || p == 0f) return x;
        var y = Tensor.Empty(dev, x.Dims);
        var mask = Tensor.Empty(dev, x.Dims);
        dev.Backend.DropoutForward(x.Storage, y.Storage, mask.Storage, x.Length, p, seed);
        if (Tape.ShouldRecord(x))
            Tape.Record(op, y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.Mul(dy.Storage, mask.Storage, grads[0]!.Storage, x.Length);
            });
        else if (Tape.Current == null) mask.Dispose();
        return y;
    }
}
