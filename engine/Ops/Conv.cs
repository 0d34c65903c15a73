using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;
using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>
    /// conv2d(x [N,C,H,W], weight [O,C,KH,KW], bias [O] or null) with zero padding, as torch.nn.functional.conv2d.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0)
    {
        const string op = "conv2d";
        var dev = Checks.SameDevice(op, ("input", x), ("weight", weight), ("bias", bias));
        Checks.Rank(op, "input", x, 4);
        Checks.Rank(op, "weight", weight, 4);
        if (weight.Dim(1) != x.Dim(1))
            throw new ArgumentException($"{op}: weight {Tensor.Format(weight.Dims)} expects {weight.Dim(1)} input channels but input is {Tensor.Format(x.Dims)}.");
        Checks.ChannelVector(op, "bias", bias, weight.Dim(0), x);
        if (stride < 1 || padding < 0) throw new ArgumentException($"{op}: stride {stride} and padding {padding} must be >= 1 and >= 0.");
        var g = ConvGeometry.ForConv(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), weight.Dim(0), weight.Dim(2), weight.Dim(3), stride, padding);
        if (g.OutH < 1 || g.OutW < 1)
            throw new ArgumentException($"{op}: input {Tensor.Format(x.Dims)} is smaller than kernel {weight.Dim(2)}x{weight.Dim(3)} with padding {padding}.");
        var y = Tensor.Empty(dev, g.N, g.O, g.OutH, g.OutW);
        dev.Backend.Conv2dForward(x.Storage, weight.Storage, Checks.Opt(bias), y.Storage, g);
        OpCounter.Conv(x, weight, bias, y, transposed: false);
        if (Tape.ShouldRecord(x, weight, bias))
            Tape.Record(op, y, bias == null ? [x, weight] : [x, weight, bias], (dy, grads) =>
            {
                var be = dev.Backend;
                if (x.RequiresGrad) { grads[0] = Tensor.Empty(dev, x.Dims); be.Conv2dBackwardData(dy.Storage, weight.Storage, grads[0]!.Storage, g); }
                if (weight.RequiresGrad) { grads[1] = Tensor.Empty(dev, weight.Dims); be.Conv2dBackwardWeight(x.Storage, dy.Storage, grads[1]!.Storage, g); }
                if (bias is { RequiresGrad: true }) { grads[2] = Tensor.Empty(dev, bias.Dims); be.ChannelSum(dy.Storage, grads[2]!.Storage, g.N, g.O, g.OutPixels); }
            });
        return y;
    }

    /// <summary>
    /// conv_transpose2d(x [N,Cin,H,W], weight [Cin,Cout,KH,KW] (PyTorch's layout), bias [Cout] or null), as
    /// torch.nn.functional.conv_transpose2d: output size (H-1)*stride - 2*padding + KH + outputPadding.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int outputPadding = 0)
    {
        const string op = "conv_transpose2d";
        var dev = Checks.SameDevice(op, ("input", x), ("weight", weight), ("bias", bias));
        Checks.Rank(op, "input", x, 4);
        Checks.Rank(op, "weight", weight, 4);
        if (weight.Dim(0) != x.Dim(1))
            throw new ArgumentException($"{op}: weight {Tensor.Format(weight.Dims)} expects {weight.Dim(0)} input channels but input is {Tensor.Format(x.Dims)}.");
        Checks.ChannelVector(op, "bias", bias, weight.Dim(1), x);
        if (stride < 1 || padding < 0 || outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentException($"{op}: stride {stride}, padding {padding}, output padding {outputPadding}: need stride >= 1, padding >= 0, 0 <= output padding < stride.");
        // The transposed conv is the adjoint of a conv from its output back to its input, so it runs on that conv's kernels.
        var g = ConvGeometry.ForTransposed(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), weight.Dim(1), weight.Dim(2), weight.Dim(3), stride, padding, outputPadding);
        if (g.H < 1 || g.W < 1) throw new ArgumentException($"{op}: input {Tensor.Format(x.Dims)} gives an empty output.");
        var y = Tensor.Empty(dev, g.N, g.C, g.H, g.W);
        dev.Backend.Conv2dBackwardData(x.Storage, weight.Storage, y.Storage, g);
        if (bias != null) dev.Backend.ChannelBiasAdd(y.Storage, bias.Storage, y.Storage, g.N, g.C, g.H * g.W);
        OpCounter.Conv(x, weight, bias, y, transposed: true);
        if (Tape.ShouldRecord(x, weight, bias))
            Tape.Record(op, y, bias == null ? [x, weight] : [x, weight, bias], (dy, grads) =>
            {
                var be = dev.Backend;
                if (x.RequiresGrad) { grads[0] = Tensor.Empty(dev, x.Dims); be.Conv2dForward(dy.Storage, weight.Storage, null, grads[0]!.Storage, g); }
                if (weight.RequiresGrad) { grads[1] = Tensor.Empty(dev, weight.Dims); be.Conv2dBackwardWeight(dy.Storage, x.Storage, grads[1]!.Storage, g); }
                if (bias is { RequiresGrad: true }) { grads[2] = Tensor.Empty(dev, bias.Dims); be.ChannelSum(dy.Storage, grads[2]!.Storage, g.N, g.C, g.H * g.W); }
            });
        return y;
    }
}
