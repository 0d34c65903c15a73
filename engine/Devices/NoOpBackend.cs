using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// A backend whose ops do nothing: every op returns at once, uploads are dropped and downloads read as zeros.
/// A subclass says only what differs (<see cref="MetaBackend"/>: its name and its storage); a test double
/// overrides the ops it watches.
/// </summary>
public abstract class NoOpBackend : IBackend
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract DeviceStorage Allocate(int length);

    /// <inheritdoc />
    public virtual void Upload(ReadOnlySpan<float> src, DeviceStorage dst) { }

    /// <summary>There are no values; they read as zeros.</summary>
    public virtual void Download(DeviceStorage src, Span<float> dst) => dst.Clear();

    /// <inheritdoc />
    public virtual void Dispose() { }

    /// <inheritdoc />
    public virtual void Synchronize() { }
    /// <inheritdoc />
    public virtual void Fill(DeviceStorage y, int n, float value) { }
    /// <inheritdoc />
    public virtual void Copy(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void Scale(DeviceStorage x, float s, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void ReluForward(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public virtual void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope) { }
    /// <inheritdoc />
    public virtual void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope) { }
    /// <inheritdoc />
    public virtual void TanhForward(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public virtual void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed) { }
    /// <inheritdoc />
    public virtual void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane) { }
    /// <inheritdoc />
    public virtual void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane) { }
    /// <inheritdoc />
    public virtual void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad) { }
    /// <inheritdoc />
    public virtual void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad) { }
    /// <inheritdoc />
    public virtual void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g) { }
    /// <inheritdoc />
    public virtual void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g) { }
    /// <inheritdoc />
    public virtual void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g) { }
    /// <inheritdoc />
    public virtual void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y, DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public virtual void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y, DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar, int batch, int channels, int plane, float eps, float momentum) { }
    /// <inheritdoc />
    public virtual void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public virtual void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean, DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public virtual void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public virtual void Mean(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public virtual void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) { }
    /// <inheritdoc />
    public virtual void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) { }
    /// <inheritdoc />
    public virtual void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public virtual void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n) { }
    /// <inheritdoc />
    public virtual void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { }

    /// <inheritdoc />
    public virtual void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1, DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape) { }
    /// <inheritdoc />
    public virtual void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1, DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1, DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape) { }
    /// <inheritdoc />
    public virtual void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt) { }
}
