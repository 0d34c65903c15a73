using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

public static partial class Ops
{
    /// <summary>
    /// InstanceNorm2d of x [N,C,H,W] (biased variance, no running statistics); gamma and beta [C] when affine, else null.
    /// </summary>
    public static Tensor InstanceNorm(Tensor x, Tensor? gamma = null, Tensor? beta = null, float eps = 1e-5f)
    {
        const string op = "instance_norm";
        var dev = Checks.SameDevice(op, ("input", x), ("weight", gamma), ("bias", beta));
        Checks.Rank(op, "input", x, 4);
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        Checks.ChannelVector(op, "weight", gamma, c, x);
        Checks.ChannelVector(op, "bias", beta, c, x);
        if (plane < 2) throw new ArgumentException($"{op}: needs more than one value per channel, got input {Tensor.Format(x.Dims)}.");
        var y = Tensor.Empty(dev, x.Dims);
        var mean = Tensor.Empty(dev, n * c);
        var rstd = Tensor.Empty(dev, n * c);
        dev.Backend.InstanceNormForward(x.Storage, Checks.Opt(gamma), Checks.Opt(beta), y.Storage, mean.Storage, rstd.Storage, n, c, plane, eps);
        OpCounter.Norm(op, y, gamma, beta);
        if (Tape.ShouldRecord(x, gamma, beta))
            Tape.Record(op, y, Inputs(x, gamma, beta), (dy, grads) => NormBackward(grads, x, gamma, beta, (dx, dg, db) =>
                dev.Backend.InstanceNormBackward(x.Storage, Checks.Opt(gamma), mean.Storage, rstd.Storage, dy.Storage, dx, dg, db, n, c, plane)));
        else if (Tape.Current == null) { mean.Dispose(); rstd.Dispose(); }
        return y;
    }

    /// <summary>
    /// BatchNorm2d of x [N,C,H,W]. Training: batch statistics (biased variance) normalise, and when running
    /// statistics are given they move by <paramref name="momentum"/> towards the batch mean and unbiased variance,
    /// as PyTorch does. Evaluation: the running statistics normalise. gamma and beta [C] when affine.
    /// The caller counts num_batches_tracked.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor? runningMean, Tensor? runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        const string op = "batch_norm";
        var dev = Checks.SameDevice(op, ("input", x), ("weight", gamma), ("bias", beta), ("running_mean", runningMean), ("running_var", runningVar));
        Checks.Rank(op, "input", x, 4);
        int n = x.Dim(0), c = x.Dim(1), plane = x.Dim(2) * x.Dim(3);
        Checks.ChannelVector(op, "weight", gamma, c, x);
        Checks.ChannelVector(op, "bias", beta, c, x);
        Checks.ChannelVector(op, "running_mean", runningMean, c, x);
        Checks.ChannelVector(op, "running_var", runningVar, c, x);
        if ((runningMean == null) != (runningVar == null))
            throw new ArgumentException($"{op}: give both running_mean and running_var or neither.");
        var y = Tensor.Empty(dev, x.Dims);
        OpCounter.Norm(op, y, gamma, beta);
        if (!training)
        {
            if (runningMean == null || runningVar == null)
                throw new ArgumentException($"{op}: evaluation mode needs running statistics, input {Tensor.Format(x.Dims)}.");
            dev.Backend.BatchNormForwardEval(x.Storage, Checks.Opt(gamma), Checks.Opt(beta), runningMean.Storage, runningVar.Storage,
                y.Storage, n, c, plane, eps);
            if (Tape.ShouldRecord(x, gamma, beta))
                Tape.Record(op, y, Inputs(x, gamma, beta), (dy, grads) => NormBackward(grads, x, gamma, beta, (dx, dg, db) =>
                    dev.Backend.BatchNormBackwardEval(x.Storage, Checks.Opt(gamma), runningMean.Storage, runningVar.Storage, dy.Storage,
                        dx, dg, db, n, c, plane, eps)));
            return y;
        }
        if (n * plane < 2)
            throw new ArgumentException($"{op}: training needs more than one value per channel, got input {Tensor.Format(x.Dims)}.");
        var mean = Tensor.Empty(dev, c);
        var rstd = Tensor.Empty(dev, c);
        dev.Backend.BatchNormForwardTrain(x.Storage, Checks.Opt(gamma), Checks.Opt(beta), y.Storage, mean.Storage, rstd.Storage,
            Checks.Opt(runningMean), Checks.Opt(runningVar), n, c, plane, eps, momentum);
        if (Tape.ShouldRecord(x, gamma, beta))
            Tape.Record(op, y, Inputs(x, gamma, beta), (dy, grads) => NormBackward(grads, x, gamma, beta, (dx, dg, db) =>
                dev.Backend.BatchNormBackwardTrain(x.Storage, Checks.Opt(gamma), mean.Storage, rstd.Storage, dy.Storage, dx, dg, db, n, c, plane)));
        else if (Tape.Current == null) { mean.Dispose(); rstd.Dispose(); }
        return y;
    }

    static Tensor[] Inputs(Tensor x, Tensor? gamma, Tensor? beta)
    {
        var list = new List<Tensor> { x };
        if (gamma != null) list.Add(gamma);
        if (beta != null) list.Add(beta);
        return list.ToArray();
    }

    /// <summary>
    /// The backward of a norm: allocates dx and the affine gradients that are needed, lets <paramref name="run"/> fill
    /// them with the backend's kernel, and hands them to the tape.
    /// </summary>
    static void NormBackward(Tensor?[] grads, Tensor x, Tensor? gamma, Tensor? beta, Action<DeviceStorage, DeviceStorage?, DeviceStorage?> run)
    {
        var dev = x.Device;
        var dx = Tensor.Empty(dev, x.Dims);
        var dg = gamma is { RequiresGrad: true } ? Tensor.Empty(dev, gamma.Dims) : null;
        var db = beta is { RequiresGrad: true } ? Tensor.Empty(dev, beta.Dims) : null;
        run(dx.Storage, Checks.Opt(dg), Checks.Opt(db));
        AssignAffine(grads, x, dx, gamma, dg, beta, db);
    }

    static void AssignAffine(Tensor?[] grads, Tensor x, Tensor dx, Tensor? gamma, Tensor? dg, Tensor? beta, Tensor? db)
    {
        if (x.RequiresGrad) grads[0] = dx; else dx.Dispose();
        int i = 1;
        if (gamma != null) grads[i++] = dg;
        if (beta != null) grads[i] = db;
    }
}
