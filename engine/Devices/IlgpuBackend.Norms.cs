using CoroNetGAN.Kernels.Ilgpu;
using V = ILGPU.ArrayView<float>;

namespace CoroNetGAN.Engine.Devices;

// Instance and batch norm. Training-mode forward is two launches (statistics per group, then an elementwise
// apply over the whole tensor); the backward pass is one launch per statistic group, plus one per channel
// for instance norm's dgamma/dbeta, which sum over the batch.
public sealed partial class IlgpuBackend
{
    private static int AffineFlags(DeviceStorage? gamma, DeviceStorage? beta) =>
        (gamma is null ? 0 : KernelFlags.Gamma) | (beta is null ? 0 : KernelFlags.Beta);

    private static int GradFlags(DeviceStorage? gamma, DeviceStorage? dgamma, DeviceStorage? dbeta) =>
        (gamma is null ? 0 : KernelFlags.Gamma) | (dgamma is null ? 0 : KernelFlags.DGamma) | (dbeta is null ? 0 : KernelFlags.DBeta);

    private void NormForward(V x, V gamma, V beta, V y, V mean, V rstd, V runningMean, V runningVar, NormShape sh, bool perImage, int n)
    {
        Launch(NormKernels.Stats, Threads(sh.Groups), x, mean, rstd, runningMean, runningVar, sh, Threads(sh.Groups));
        Launch(NormKernels.Apply, Threads(n), x, gamma, beta, mean, rstd, y, sh, perImage ? 1 : 0, n, Threads(n));
    }

    private void NormBackward(V x, V gamma, V mean, V rstd, V dy, V dx, V dgamma, V dbeta, NormShape sh) =>
        Launch(NormKernels.Backward, Threads(sh.Groups), x, gamma, mean, rstd, dy, dx, dgamma, dbeta, sh, Threads(sh.Groups));

    /// <inheritdoc />
    public void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps)
    {
        var (vx, vg, vb, vy, vm, vr) = (View(x), Opt(gamma), Opt(beta), View(y), View(mean), View(rstd));
        if (batch * channels <= 0 || plane <= 0) return;
        var sh = NormShape.Instance(batch, channels, plane, eps, AffineFlags(gamma, beta));
        NormForward(vx, vg, vb, vy, vm, vr, Dummy, Dummy, sh, perImage: true, batch * channels * plane);
    }

    /// <inheritdoc />
    public void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane)
    {
        var (vx, vg, vm, vr) = (View(x), Opt(gamma), View(mean), View(rstd));
        var (vdy, vdx, vdg, vdb) = (View(dy), View(dx), Opt(dgamma), Opt(dbeta));
        if (channels <= 0) return;
        if (batch > 0 && plane > 0)
        {
            // dgamma/dbeta sum over the batch, which per-plane threads cannot do without atomics: separate kernel.
            var sh = NormShape.Instance(batch, channels, plane, 0f, gamma is null ? 0 : KernelFlags.Gamma);
            NormBackward(vx, vg, vm, vr, vdy, vdx, Dummy, Dummy, sh);
        }
        int flags = GradFlags(null, dgamma, dbeta);
        if (flags != 0) Launch(NormKernels.InstanceParamGrad, channels, vx, vm, vr, vdy, vdg, vdb, batch, channels, plane, flags);
    }

    /// <inheritdoc />
    public void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar,
        int batch, int channels, int plane, float eps, float momentum)
    {
        var (vx, vg, vb, vy, vm, vr) = (View(x), Opt(gamma), Opt(beta), View(y), View(mean), View(rstd));
        var (vrm, vrv) = (Opt(runningMean), Opt(runningVar));
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException($"{nameof(BatchNormForwardTrain)}: runningMean and runningVar must be both present or both null.");
        if (channels <= 0 || batch * plane <= 0) return;
        int flags = AffineFlags(gamma, beta) | (runningMean is null ? 0 : KernelFlags.Running);
        var sh = NormShape.Batch(batch, channels, plane, eps, momentum, flags);
        NormForward(vx, vg, vb, vy, vm, vr, vrm, vrv, sh, perImage: false, batch * channels * plane);
    }

    /// <inheritdoc />
    public void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane)
    {
        var (vx, vg, vm, vr) = (View(x), Opt(gamma), View(mean), View(rstd));
        var (vdy, vdx, vdg, vdb) = (View(dy), View(dx), Opt(dgamma), Opt(dbeta));
        if (channels <= 0 || batch * plane <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, 0f, 0f, GradFlags(gamma, dgamma, dbeta));
        NormBackward(vx, vg, vm, vr, vdy, vdx, vdg, vdb, sh);
    }

    /// <inheritdoc />
    public void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean,
        DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps)
    {
        var (vx, vg, vb, vrm, vrv, vy) = (View(x), Opt(gamma), Opt(beta), View(runningMean), View(runningVar), View(y));
        int n = batch * channels * plane;
        if (n <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, eps, 0f, AffineFlags(gamma, beta));
        Launch(NormKernels.EvalForward, Threads(n), vx, vg, vb, vrm, vrv, vy, sh, n, Threads(n));
    }

    /// <inheritdoc />
    public void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps)
    {
        var (vx, vg, vrm, vrv) = (View(x), Opt(gamma), View(runningMean), View(runningVar));
        var (vdy, vdx, vdg, vdb) = (View(dy), View(dx), Opt(dgamma), Opt(dbeta));
        if (channels <= 0) return;
        var sh = NormShape.Batch(batch, channels, plane, eps, 0f, GradFlags(gamma, dgamma, dbeta));
        int n = batch * channels * plane;
        if (n > 0) Launch(NormKernels.EvalBackward, Threads(n), vg, vrv, vdy, vdx, sh, n, Threads(n));
        if (dgamma is not null || dbeta is not null) Launch(NormKernels.EvalParamGrad, channels, vx, vrm, vrv, vdy, vdg, vdb, sh);
    }
}
