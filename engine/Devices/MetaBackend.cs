using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// A backend that holds no data and computes nothing: ops still check their arguments and work out every
/// shape, so a model runs "on paper". The MAC counter runs models here, which makes counting a 56 GMAC
/// generator cost microseconds and no memory.
/// </summary>
public sealed class MetaBackend : IBackend
{
    /// <inheritdoc />
    public string Name => "meta";

    /// <inheritdoc />
    public DeviceStorage Allocate(int length) => new MetaStorage(this, length);

    /// <inheritdoc />
    public void Upload(ReadOnlySpan<float> src, DeviceStorage dst) { }

    /// <summary>Meta tensors have no values; they read as zeros.</summary>
    public void Download(DeviceStorage src, Span<float> dst) => dst.Clear();

    /// <inheritdoc />
    public void Dispose() { }

    /// <inheritdoc />
    public void Synchronize() { }
    /// <inheritdoc />
    public void Fill(DeviceStorage y, int n, float value) { }
    /// <inheritdoc />
    public void Copy(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void AddInPlace(DeviceStorage y, DeviceStorage x, int n) { }
    /// <inheritdoc />
    public void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void Scale(DeviceStorage x, float s, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void ReluForward(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope) { }
    /// <inheritdoc />
    public void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope) { }
    /// <inheritdoc />
    public void TanhForward(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed) { }
    /// <inheritdoc />
    public void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane) { }
    /// <inheritdoc />
    public void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane) { }
    /// <inheritdoc />
    public void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad) { }
    /// <inheritdoc />
    public void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad) { }
    /// <inheritdoc />
    public void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g) { }
    /// <inheritdoc />
    public void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g) { }
    /// <inheritdoc />
    public void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g) { }
    /// <inheritdoc />
    public void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y, DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y, DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar, int batch, int channels, int plane, float eps, float momentum) { }
    /// <inheritdoc />
    public void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane) { }
    /// <inheritdoc />
    public void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean, DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps) { }
    /// <inheritdoc />
    public void Mean(DeviceStorage x, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n) { }
    /// <inheritdoc />
    public void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) { }
    /// <inheritdoc />
    public void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n) { }
    /// <inheritdoc />
    public void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n) { }
    /// <inheritdoc />
    public void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n) { }
    /// <inheritdoc />
    public void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { }

    /// <inheritdoc />
    public void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1, DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape) { }
    /// <inheritdoc />
    public void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1, DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1, DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape) { }
    /// <inheritdoc />
    public void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt) { }

    sealed class MetaStorage(IBackend backend, int length) : DeviceStorage(backend, length)
    {
        public override void Dispose() { }
    }
}
