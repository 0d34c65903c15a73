using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>Mean of all elements, as a one-element tensor.</summary>
    public static Tensor Mean(Tensor x)
    {
        var dev = Checks.SameDevice("mean", ("input", x));
        var y = Tensor.Empty(dev, 1);
        dev.Backend.Mean(x.Storage, y.Storage, x.Length);
        if (Tape.ShouldRecord(x))
            Tape.Record("mean", y, [x], (dy, grads) =>
            {
                grads[0] = Tensor.Empty(dev, x.Dims);
                dev.Backend.MeanBackward(dy.Storage, grads[0]!.Storage, x.Length);
            });
        return y;
    }

    /// <summary>L1 loss, mean reduction (torch.nn.L1Loss).</summary>
    public static Tensor L1Loss(Tensor input, Tensor target) =>
        PairLoss("l1_loss", input, target, (be, a, b, y, n) => be.L1Loss(a, b, y, n), (be, a, b, dy, da, db, n) => be.L1LossBackward(a, b, dy, da, db, n));

    /// <summary>Mean squared error, mean reduction (torch.nn.MSELoss; the LSGAN loss).</summary>
    public static Tensor MseLoss(Tensor input, Tensor target) =>
        PairLoss("mse_loss", input, target, (be, a, b, y, n) => be.MseLoss(a, b, y, n), (be, a, b, dy, da, db, n) => be.MseLossBackward(a, b, dy, da, db, n));

    /// <summary>Binary cross-entropy on logits, mean reduction (torch.nn.BCEWithLogitsLoss; the vanilla GAN loss).</summary>
    public static Tensor BceWithLogitsLoss(Tensor logits, Tensor target) =>
        PairLoss("bce_with_logits_loss", logits, target, (be, a, b, y, n) => be.BceWithLogitsLoss(a, b, y, n),
            (be, a, b, dy, da, db, n) => be.BceWithLogitsLossBackward(a, b, dy, da, db, n));

    delegate void LossForward(IBackend be, DeviceStorage a, DeviceStorage b, DeviceStorage y, int n);
    delegate void LossBackward(IBackend be, DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n);

    /// <summary>
    /// A mean-reduced loss of two same-shape tensors. The value is checked to be finite (read back now, or with the
    /// step's other values on a tape that defers its checks): a NaN loss is reported where it appears, with the shapes,
    /// instead of silently poisoning every weight.
    /// </summary>
    static Tensor PairLoss(string op, Tensor input, Tensor target, LossForward forward, LossBackward backward)
    {
        var dev = Checks.SameDevice(op, ("input", input), ("target", target));
        Checks.SameShape(op, "input", input, "target", target);
        var y = Tensor.Empty(dev, 1);
        forward(dev.Backend, input.Storage, target.Storage, y.Storage, input.Length);
        Tape.CheckFinite(y, value => $"{op}: the loss is {value} for input {input.Describe()} and target {target.Describe()}; an input holds NaN or infinity.");
        if (Tape.ShouldRecord(input, target))
            Tape.Record(op, y, [input, target], (dy, grads) =>
            {
                var da = input.RequiresGrad ? Tensor.Empty(dev, input.Dims) : null;
                var db = target.RequiresGrad ? Tensor.Empty(dev, target.Dims) : null;
                backward(dev.Backend, input.Storage, target.Storage, dy.Storage, Checks.Opt(da), Checks.Opt(db), input.Length);
                grads[0] = da; grads[1] = db;
            });
        return y;
    }
}
