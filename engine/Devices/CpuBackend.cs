using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// The vectorized managed backend: every op runs the kernels of CoroNetGAN.Kernels.Cpu on all cores.
/// This is the default where no GPU is found, and the oracle the ILGPU kernels are tested against.
/// </summary>
/// <param name="options">The kernels' settings; <see cref="CpuKernelOptions.Default"/> when null.</param>
public sealed unsafe class CpuBackend(CpuKernelOptions? options = null) : IBackend
{
    // Each backend keeps its own frozen weights (they are keyed by this backend's buffers' addresses).
    readonly CpuKernelOptions _o = WithPacks(options ?? CpuKernelOptions.Default);
    long _stamps;

    static CpuKernelOptions WithPacks(CpuKernelOptions o) => o with { Prepacked = new PackedWeights(o.TrainingPackBytes) };

    // Stamps name buffer contents for PackedWeights.Trust; unique within this backend, whose buffers they name.
    internal long NextStamp() => Interlocked.Increment(ref _stamps);

    /// <summary>The settings every kernel of this backend runs with.</summary>
    public CpuKernelOptions Options => _o;

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public DeviceStorage Allocate(int length) => new CpuStorage(this, length);

    /// <inheritdoc />
    public void Upload(ReadOnlySpan<float> src, DeviceStorage dst) => src.CopyTo(S(dst).Span);

    /// <inheritdoc />
    public void Download(DeviceStorage src, Span<float> dst)
    {
        // A read: the buffer keeps its stamp (Span would renew it and cost reused weight packs).
        var s = S(src);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dst.Length, s.Length);
        new ReadOnlySpan<float>(s.ReadPointer, dst.Length).CopyTo(dst);
    }

    /// <inheritdoc />
    public void Synchronize() { }

    /// <inheritdoc />
    public void Dispose() => _o.Prepacked!.Dispose();

    /// <inheritdoc />
    public void FreezeWeights(DeviceStorage w, bool frozen)
    {
        if (frozen) _o.Prepacked!.Freeze(P(w), w.Length);
        else _o.Prepacked!.Release(P(w));
    }

    CpuStorage S(DeviceStorage s) =>
        s as CpuStorage is { } c && ReferenceEquals(c.Backend, this) ? c
            : throw new ArgumentException($"cpu backend: a buffer of backend '{s.Backend.Name}' was passed to it.");

    float* P(DeviceStorage s) => S(s).Pointer;
    float* P0(DeviceStorage? s) => s == null ? null : S(s).Pointer;

    /// <inheritdoc />
    public void Fill(DeviceStorage y, int n, float value) => Elementwise.Fill(_o, P(y), n, value);
    /// <inheritdoc />
    public void Copy(DeviceStorage x, DeviceStorage y, int n) => Elementwise.Copy(_o, P(x), P(y), n);
    /// <inheritdoc />
    public void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) => Elementwise.Add(_o, P(a), P(b), P(y), n);
    /// <inheritdoc />
    public void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) => Elementwise.Mul(_o, P(a), P(b), P(y), n);
    /// <inheritdoc />
    public void Scale(DeviceStorage x, float s, DeviceStorage y, int n) => Elementwise.Scale(_o, P(x), s, P(y), n);
    /// <inheritdoc />
    public void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n) => Elementwise.Scale(_o, P(x), P(s)[0], P(y), n);
    /// <inheritdoc />
    public void ReluForward(DeviceStorage x, DeviceStorage y, int n) => Activations.ReluForward(_o, P(x), P(y), n);
    /// <inheritdoc />
    public void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n) => Activations.ReluBackward(_o, P(x), P(dy), P(dx), n);
    /// <inheritdoc />
    public void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope) => Activations.LeakyReluForward(_o, P(x), P(y), n, slope);
    /// <inheritdoc />
    public void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope) =>
        Activations.LeakyReluBackward(_o, P(x), P(dy), P(dx), n, slope);
    /// <inheritdoc />
    public void TanhForward(DeviceStorage x, DeviceStorage y, int n) => Activations.TanhForward(_o, P(x), P(y), n);
    /// <inheritdoc />
    public void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n) => Activations.TanhBackward(_o, P(y), P(dy), P(dx), n);
    /// <inheritdoc />
    public void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed) =>
        Elementwise.DropoutForward(_o, P(x), P(y), P(mask), n, p, seed);

    /// <inheritdoc />
    public void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane) =>
        Channels.BiasAdd(_o, P(x), P(b), P(y), batch, channels, plane);
    /// <inheritdoc />
    public void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane) =>
        Channels.Sum(_o, P(dy), P(db), batch, channels, plane);
    /// <inheritdoc />
    public void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane) =>
        Channels.MaskForward(_o, P(x), P(m), P(y), batch, channels, plane);
    /// <inheritdoc />
    public void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm, int batch, int channels, int plane) =>
        Channels.MaskBackward(_o, P(x), P(m), P(dy), P(dx), P0(dm), batch, channels, plane);
    /// <inheritdoc />
    public void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane) =>
        Channels.Concat(_o, P(a), P(b), P(y), batch, ca, cb, plane);
    /// <inheritdoc />
    public void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane) =>
        Channels.Split(_o, P(dy), P0(da), P0(db), batch, ca, cb, plane);

    /// <inheritdoc />
    public void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad) =>
        Padding.ReflectionForward(_o, P(x), P(y), planes, h, w, pad);
    /// <inheritdoc />
    public void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad) =>
        Padding.ReflectionBackward(_o, P(dy), P(dx), planes, h, w, pad);

    /// <inheritdoc />
    public void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g)
    {
        // The weights are only read here, so their stamp stays and a GEMM may reuse the copy it packed last time.
        var ws = S(w);
        using var trust = _o.Prepacked!.Trust(ws.ReadPointer, ws.Stamp);
        Conv2d.Forward(_o, P(x), ws.ReadPointer, P0(b), P(y), g);
    }
    /// <inheritdoc />
    public void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g)
    {
        var ws = S(w);
        using var trust = _o.Prepacked!.Trust(ws.ReadPointer, ws.Stamp);
        Conv2d.BackwardData(_o, P(dy), ws.ReadPointer, P(dx), g);
    }
    /// <inheritdoc />
    public void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g) =>
        Conv2d.BackwardWeight(_o, P(x), P(dy), P(dw), g);

    /// <inheritdoc />
    public void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps) =>
        Norms.InstanceForward(_o, P(x), P0(gamma), P0(beta), P(y), P(mean), P(rstd), batch, channels, plane, eps);
    /// <inheritdoc />
    public void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) =>
        Norms.InstanceBackward(_o, P(x), P0(gamma), P(mean), P(rstd), P(dy), P(dx), P0(dgamma), P0(dbeta), batch, channels, plane);
    /// <inheritdoc />
    public void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar,
        int batch, int channels, int plane, float eps, float momentum) =>
        Norms.BatchTrainForward(_o, P(x), P0(gamma), P0(beta), P(y), P(mean), P(rstd), P0(runningMean), P0(runningVar),
            batch, channels, plane, eps, momentum);
    /// <inheritdoc />
    public void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) =>
        Norms.BatchTrainBackward(_o, P(x), P0(gamma), P(mean), P(rstd), P(dy), P(dx), P0(dgamma), P0(dbeta), batch, channels, plane);
    /// <inheritdoc />
    public void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean,
        DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps) =>
        Norms.BatchEvalForward(_o, P(x), P0(gamma), P0(beta), P(runningMean), P(runningVar), P(y), batch, channels, plane, eps);
    /// <inheritdoc />
    public void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps) =>
        Norms.BatchEvalBackward(_o, P(x), P0(gamma), P(runningMean), P(runningVar), P(dy), P(dx), P0(dgamma), P0(dbeta),
            batch, channels, plane, eps);

    /// <inheritdoc />
    public void Mean(DeviceStorage x, DeviceStorage y, int n) => Losses.Mean(_o, P(x), P(y), n);
    /// <inheritdoc />
    public void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n) => Losses.MeanBackward(_o, P(dy), P(dx), n);
    /// <inheritdoc />
    public void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) => Losses.L1(_o, P(a), P(b), P(y), n);
    /// <inheritdoc />
    public void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) =>
        Losses.L1Backward(_o, P(a), P(b), P(dy), P0(da), P0(db), n);
    /// <inheritdoc />
    public void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) => Losses.Mse(_o, P(a), P(b), P(y), n);
    /// <inheritdoc />
    public void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) =>
        Losses.MseBackward(_o, P(a), P(b), P(dy), P0(da), P0(db), n);
    /// <inheritdoc />
    public void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n) => Losses.BceWithLogits(_o, P(x), P(t), P(y), n);
    /// <inheritdoc />
    public void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n) =>
        Losses.BceWithLogitsBackward(_o, P(x), P(t), P(dy), P0(dx), P0(dt), n);

    /// <inheritdoc />
    public void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape) =>
        HyperWeights.Forward(_o, P(zIn), P(zOut), P(b0), P(w1), P(b1), P(w2), P(b2), P(w), shape);
    /// <inheritdoc />
    public void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1,
        DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape) =>
        HyperWeights.Backward(_o, P(zIn), P(zOut), P(b0), P(w1), P(b1), P(w2), P(dw), P(dzIn), P(dzOut), P(db0), P(dw1), P(db1), P(dw2), P(db2), shape);
    /// <inheritdoc />
    public void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt) =>
        Proximal.SoftThreshold(P(z), n, thr, pruneThreshold, minChannels, exempt);

    /// <inheritdoc />
    public void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step) =>
        Optimizers.Adam(_o, P(p), P(g), P(m), P(v), n, lr, beta1, beta2, eps, weightDecay, step);
}
