using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>Elementwise a + b of two tensors of the same shape (residual connections).</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        const string op = "add";
        var dev = Checks.SameDevice(op, ("a", a), ("b", b));
        Checks.SameShape(op, "a", a, "b", b);
        var y = Tensor.Empty(dev, a.Dims);
        dev.Backend.Add(a.Storage, b.Storage, y.Storage, a.Length);
        if (Tape.ShouldRecord(a, b))
            Tape.Record(op, y, [a, b], (dy, grads) =>
            {
                if (a.RequiresGrad) { grads[0] = Tensor.Empty(dev, a.Dims); dev.Backend.Copy(dy.Storage, grads[0]!.Storage, a.Length); }
                if (b.RequiresGrad) { grads[1] = Tensor.Empty(dev, b.Dims); dev.Backend.Copy(dy.Storage, grads[1]!.Storage, b.Length); }
            });
        return y;
    }

    /// <summary>s * x for a constant s (loss weights such as lambda_L1).</summary>
    public static Tensor Scale(Tensor x, float s)
    {
        var dev = Checks.SameDevice("scale", ("input", x));
        var y = Tensor.Empty(dev, x.Dims);
        dev.Backend.Scale(x.Storage, s, y.Storage, x.Length);
        if (Tape.ShouldRecord(x))
            Tape.Record("scale", y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.Scale(dy.Storage, s, grads[0]!.Storage, x.Length);
            });
        return y;
    }

    /// <summary>Concatenation along channels: [N,Ca,H,W] and [N,Cb,H,W] give [N,Ca+Cb,H,W] (U-Net skips: skip first).</summary>
    public static Tensor Concat(Tensor a, Tensor b)
    {
        const string op = "concat";
        var dev = Checks.SameDevice(op, ("a", a), ("b", b));
        Checks.Rank(op, "a", a, 4);
        Checks.Rank(op, "b", b, 4);
        if (a.Dim(0) != b.Dim(0) || a.Dim(2) != b.Dim(2) || a.Dim(3) != b.Dim(3))
            throw new ArgumentException($"{op}: a {Tensor.Format(a.Dims)} and b {Tensor.Format(b.Dims)} differ outside the channel dimension.");
        int n = a.Dim(0), ca = a.Dim(1), cb = b.Dim(1), plane = a.Dim(2) * a.Dim(3);
        var y = Tensor.Empty(dev, n, ca + cb, a.Dim(2), a.Dim(3));
        dev.Backend.ConcatChannels(a.Storage, b.Storage, y.Storage, n, ca, cb, plane);
        if (Tape.ShouldRecord(a, b))
            Tape.Record(op, y, [a, b], (dy, grads) =>
            {
                var da = a.RequiresGrad ? Tensor.Empty(dev, a.Dims) : null;
                var db = b.RequiresGrad ? Tensor.Empty(dev, b.Dims) : null;
                dev.Backend.SplitChannels(dy.Storage, Checks.Opt(da), Checks.Opt(db), n, ca, cb, plane);
                grads[0] = da; grads[1] = db;
            });
        return y;
    }

    /// <summary>x [N,C,H,W] times a per-channel factor m [C] (channel masks of pruning); gradients flow to both.</summary>
    public static Tensor ChannelMask(Tensor x, Tensor m)
    {
        const string op = "channel_mask";
        var dev = Checks.SameDevice(op, ("input", x), ("mask", m));
        Checks.Rank(op, "input", x, 4);
        Checks.ChannelVector(op, "mask", m, x.Dim(1), x);
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        var y = Tensor.Empty(dev, x.Dims);
        dev.Backend.ChannelMaskForward(x.Storage, m.Storage, y.Storage, n, c, plane);
        OpCounter.Elementwise("channel_mask", y);
        if (Tape.ShouldRecord(x, m))
            Tape.Record(op, y, [x, m], (dy, grads) =>
            {
                var dx = Tensor.Empty(dev, x.Dims);
                var dm = m.RequiresGrad ? Tensor.Empty(dev, m.Dims) : null;
                dev.Backend.ChannelMaskBackward(x.Storage, m.Storage, dy.Storage, dx.Storage, Checks.Opt(dm), n, c, plane);
                if (x.RequiresGrad) grads[0] = dx; else dx.Dispose();
                grads[1] = dm;
            });
        return y;
    }
}
