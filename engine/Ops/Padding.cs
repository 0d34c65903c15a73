using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>ReflectionPad2d(pad) of x [N,C,H,W]: each side mirrored without repeating the edge; pad &lt; H and &lt; W.</summary>
    public static Tensor ReflectionPad2d(Tensor x, int pad)
    {
        const string op = "reflection_pad2d";
        var dev = Checks.SameDevice(op, ("input", x));
        Checks.Rank(op, "input", x, 4);
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        if (pad < 0 || pad >= h || pad >= w)
            throw new ArgumentException($"{op}: padding {pad} must be non-negative and smaller than the input's height and width, input {Tensor.Format(x.Dims)}.");
        var y = Tensor.Empty(dev, n, c, h + 2 * pad, w + 2 * pad);
        dev.Backend.ReflectionPadForward(x.Storage, y.Storage, n * c, h, w, pad);
        if (Tape.ShouldRecord(x))
            Tape.Record(op, y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.ReflectionPadBackward(dy.Storage, grads[0]!.Storage, n * c, h, w, pad);
            });
        return y;
    }
}
