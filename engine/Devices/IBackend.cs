using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// Every op the engine needs, on raw buffers with explicit shapes. Two implementations exist, the vectorized
/// CPU backend and the ILGPU backend (CUDA, OpenCL, ILGPU's CPU accelerator); they must agree to float32
/// rounding and each is the other's test oracle.
/// </summary>
/// <remarks>
/// Conventions: every output argument is overwritten, never accumulated; layouts are NCHW row-major;
/// "plane" means H*W; scalar results (losses, means) are written to element 0 of a one-element buffer.
/// A null optional buffer means "absent" (no bias, no affine parameters).
/// Most ops are primitives. The fused ones (several primitives in one op) each say in one line why they stay
/// fused; an op that is only a primitive with other arguments is written here once, from the primitives
/// (<see cref="AddInPlace"/>), and no backend repeats it.
/// </remarks>
public interface IBackend : IDisposable
{
    /// <summary>Short name of the backend: cpu, ilgpu-cpu, opencl or cuda.</summary>
    string Name { get; }

    /// <summary>Allocates uninitialised storage of <paramref name="length"/> floats.</summary>
    DeviceStorage Allocate(int length);

    /// <summary>Copies host data into <paramref name="dst"/> starting at element 0.</summary>
    void Upload(ReadOnlySpan<float> src, DeviceStorage dst);

    /// <summary>Copies the first dst.Length elements of <paramref name="src"/> to the host.</summary>
    void Download(DeviceStorage src, Span<float> dst);

    /// <summary>Waits for all queued work.</summary>
    void Synchronize();

    /// <summary>
    /// Declares <paramref name="w"/>'s content fixed (<paramref name="frozen"/>) or no longer fixed, so a backend
    /// may keep a prepared copy of it (the CPU backend's packed GEMM operands) instead of redoing the work per call.
    /// Results must be bit-identical either way. Default: ignored.
    /// </summary>
    void FreezeWeights(DeviceStorage w, bool frozen) { }

    /// <summary>Times the host has waited for this backend's queue (downloads, <see cref="Synchronize"/>); 0 where
    /// every call completes before it returns (the CPU backend), so nothing is waited for.</summary>
    long Syncs => 0;

    /// <summary>Buffers this backend allocated outside <see cref="Allocate"/> (scratch, staging). Default: none.</summary>
    long ScratchAllocations => 0;

    // ---- elementwise -------------------------------------------------------------------------------

    /// <summary>y[i] = value for i &lt; n.</summary>
    void Fill(DeviceStorage y, int n, float value);
    /// <summary>y[i] = x[i].</summary>
    void Copy(DeviceStorage x, DeviceStorage y, int n);
    /// <summary>y[i] = a[i] + b[i].</summary>
    void Add(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n);
    /// <summary>y[i] += x[i] (gradient accumulation): <see cref="Add"/> with y as its first input.</summary>
    void AddInPlace(DeviceStorage y, DeviceStorage x, int n) => Add(y, x, y, n);
    /// <summary>y[i] = a[i] * b[i].</summary>
    void Mul(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n);
    /// <summary>y[i] = s * x[i].</summary>
    void Scale(DeviceStorage x, float s, DeviceStorage y, int n);
    /// <summary>y[i] = s[0] * x[i], with the factor read from a one-element device buffer.</summary>
    void ScaleBy(DeviceStorage x, DeviceStorage s, DeviceStorage y, int n);

    /// <summary>y = max(x, 0).</summary>
    void ReluForward(DeviceStorage x, DeviceStorage y, int n);
    /// <summary>dx = x &gt; 0 ? dy : 0.</summary>
    void ReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n);
    /// <summary>y = x &gt; 0 ? x : slope * x.</summary>
    void LeakyReluForward(DeviceStorage x, DeviceStorage y, int n, float slope);
    /// <summary>dx = x &gt; 0 ? dy : slope * dy.</summary>
    void LeakyReluBackward(DeviceStorage x, DeviceStorage dy, DeviceStorage dx, int n, float slope);
    /// <summary>y = tanh(x).</summary>
    void TanhForward(DeviceStorage x, DeviceStorage y, int n);
    /// <summary>dx = dy * (1 - y^2), from the forward output y.</summary>
    void TanhBackward(DeviceStorage y, DeviceStorage dy, DeviceStorage dx, int n);
    /// <summary>
    /// Inverted dropout: mask[i] = U(seed, i) &gt;= p ? 1/(1-p) : 0 with <see cref="RandomHash.Uniform"/>, and
    /// y = x * mask. The backward pass is <see cref="Mul"/> of dy and mask.
    /// Fused: one pass writes both mask and y, where a separate <see cref="Mul"/> would read the mask back.
    /// </summary>
    void DropoutForward(DeviceStorage x, DeviceStorage y, DeviceStorage mask, int n, float p, uint seed);

    // ---- channel structure -------------------------------------------------------------------------

    /// <summary>y[n,c,:] = x[n,c,:] + b[c].</summary>
    void ChannelBiasAdd(DeviceStorage x, DeviceStorage b, DeviceStorage y, int batch, int channels, int plane);
    /// <summary>db[c] = sum over n and the plane of dy[n,c,:] (the gradient of a per-channel bias).</summary>
    void ChannelSum(DeviceStorage dy, DeviceStorage db, int batch, int channels, int plane);
    /// <summary>y[n,c,:] = x[n,c,:] * m[c].</summary>
    void ChannelMaskForward(DeviceStorage x, DeviceStorage m, DeviceStorage y, int batch, int channels, int plane);
    /// <summary>dx[n,c,:] = dy[n,c,:] * m[c]; dm[c] = sum over n and the plane of dy * x (dm may be null).</summary>
    void ChannelMaskBackward(DeviceStorage x, DeviceStorage m, DeviceStorage dy, DeviceStorage dx, DeviceStorage? dm, int batch, int channels, int plane);
    /// <summary>y[n] = concat(a[n] (ca channels), b[n] (cb channels)) along channels.</summary>
    void ConcatChannels(DeviceStorage a, DeviceStorage b, DeviceStorage y, int batch, int ca, int cb, int plane);
    /// <summary>The adjoint of <see cref="ConcatChannels"/>: da and db are slices of dy (either may be null).</summary>
    void SplitChannels(DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int batch, int ca, int cb, int plane);

    // ---- padding -----------------------------------------------------------------------------------

    /// <summary>Reflection padding of every [H, W] plane by pad on all four sides (PyTorch ReflectionPad2d, pad &lt; H and &lt; W).</summary>
    void ReflectionPadForward(DeviceStorage x, DeviceStorage y, int planes, int h, int w, int pad);
    /// <summary>Adjoint of <see cref="ReflectionPadForward"/>: dx gathers every dy element that was copied from it.</summary>
    void ReflectionPadBackward(DeviceStorage dy, DeviceStorage dx, int planes, int h, int w, int pad);

    // ---- convolution -------------------------------------------------------------------------------

    /// <summary>
    /// y = conv2d(x, w) (+ b when not null), zero padding; w is [O, C, KH, KW].
    /// Fused bias: the ILGPU kernels add it as each output tile is stored, saving a pass over y.
    /// </summary>
    void Conv2dForward(DeviceStorage x, DeviceStorage w, DeviceStorage? b, DeviceStorage y, in ConvGeometry g);
    /// <summary>dx = the gradient of conv2d with respect to its input (also the forward of conv_transpose2d).</summary>
    void Conv2dBackwardData(DeviceStorage dy, DeviceStorage w, DeviceStorage dx, in ConvGeometry g);
    /// <summary>dw = the gradient of conv2d with respect to its weight, summed over the batch.</summary>
    void Conv2dBackwardWeight(DeviceStorage x, DeviceStorage dy, DeviceStorage dw, in ConvGeometry g);

    // ---- normalisation -----------------------------------------------------------------------------

    /// <summary>
    /// Instance norm over each [n, c] plane: y = (x - mean) * rstd * gamma[c] + beta[c] with the biased variance,
    /// rstd = 1/sqrt(var + eps). Writes mean and rstd ([batch*channels]) for the backward pass.
    /// Fused: statistics, normalisation and affine map with no stored temporary (not even x̂), and the statistics
    /// kept for the backward pass.
    /// </summary>
    void InstanceNormForward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, int batch, int channels, int plane, float eps);
    /// <summary>
    /// Gradient of <see cref="InstanceNormForward"/>; dgamma and dbeta are written when not null.
    /// Fused: the two sums dx needs and dx itself from one read of x and dy per plane, x̂ recomputed, never stored.
    /// </summary>
    void InstanceNormBackward(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane);

    /// <summary>
    /// Batch norm in training mode: statistics over (n, plane) per channel, biased variance for the output;
    /// mean and rstd ([channels]) are written for the backward pass; when runningMean and runningVar are not
    /// null they become (1 - momentum) * running + momentum * batch statistic, with the unbiased variance.
    /// Fused: as <see cref="InstanceNormForward"/>, and the running statistics are updated in the statistics pass.
    /// </summary>
    void BatchNormForwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage y,
        DeviceStorage mean, DeviceStorage rstd, DeviceStorage? runningMean, DeviceStorage? runningVar,
        int batch, int channels, int plane, float eps, float momentum);
    /// <summary>
    /// Gradient of <see cref="BatchNormForwardTrain"/> through the batch statistics.
    /// Fused: dx, dgamma and dbeta share the per-channel sums over dy and dy * x̂, read once.
    /// </summary>
    void BatchNormBackwardTrain(DeviceStorage x, DeviceStorage? gamma, DeviceStorage mean, DeviceStorage rstd,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane);
    /// <summary>
    /// Batch norm in evaluation mode, with the running statistics: y = (x - runningMean) / sqrt(runningVar + eps) * gamma + beta.
    /// Its gradient is an affine map; the engine composes it from <see cref="BatchNormBackwardEval"/>.
    /// Fused: one elementwise pass with PyTorch's order of operations, which a scale-and-shift composition would round differently.
    /// </summary>
    void BatchNormForwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage? beta, DeviceStorage runningMean,
        DeviceStorage runningVar, DeviceStorage y, int batch, int channels, int plane, float eps);
    /// <summary>
    /// Gradient of <see cref="BatchNormForwardEval"/> (statistics are constants); dgamma and dbeta written when not null.
    /// Fused: dx in one elementwise pass, dgamma and dbeta in one per-channel pass, no temporary for x̂.
    /// </summary>
    void BatchNormBackwardEval(DeviceStorage x, DeviceStorage? gamma, DeviceStorage runningMean, DeviceStorage runningVar,
        DeviceStorage dy, DeviceStorage dx, DeviceStorage? dgamma, DeviceStorage? dbeta, int batch, int channels, int plane, float eps);

    // ---- reductions and losses ---------------------------------------------------------------------
    // Fused losses: each term is summed as it is computed (no [n] temporary, one read of a and b); each backward
    // writes the term's derivative times dy[0]/n for both inputs in one pass.

    /// <summary>y[0] = mean of x[0..n).</summary>
    void Mean(DeviceStorage x, DeviceStorage y, int n);
    /// <summary>dx[i] = dy[0] / n.</summary>
    void MeanBackward(DeviceStorage dy, DeviceStorage dx, int n);
    /// <summary>y[0] = mean |a - b|.</summary>
    void L1Loss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n);
    /// <summary>da = dy[0]/n * sign(a - b) (0 where equal), db = -da; either may be null.</summary>
    void L1LossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n);
    /// <summary>y[0] = mean (a - b)^2.</summary>
    void MseLoss(DeviceStorage a, DeviceStorage b, DeviceStorage y, int n);
    /// <summary>da = dy[0] * 2 (a - b) / n, db = -da; either may be null.</summary>
    void MseLossBackward(DeviceStorage a, DeviceStorage b, DeviceStorage dy, DeviceStorage? da, DeviceStorage? db, int n);
    /// <summary>y[0] = mean of max(x, 0) - x t + log(1 + exp(-|x|)) (PyTorch BCEWithLogitsLoss, numerically stable).</summary>
    void BceWithLogitsLoss(DeviceStorage x, DeviceStorage t, DeviceStorage y, int n);
    /// <summary>dx = dy[0] * (sigmoid(x) - t) / n; dt = dy[0] * (-x) / n; either may be null.</summary>
    void BceWithLogitsLossBackward(DeviceStorage x, DeviceStorage t, DeviceStorage dy, DeviceStorage? dx, DeviceStorage? dt, int n);

    // ---- hypernetwork pruning ----------------------------------------------------------------------

    /// <summary>
    /// DHP weight generation (METHOD.md 2.2): w = generated weight ([Cout,Cin,K,K], or [Cin,Cout,K,K] when
    /// transposed) from latents zIn [Cin], zOut [Cout] and B0 [Cin,Cout], w1, b1 [Cin,Cout,M], w2 [Cin,Cout,KK,M], b2 [Cin,Cout,KK].
    /// Fused: each (in, out) pair runs its whole latent -> embedding -> weight chain in registers, so the
    /// [Cin,Cout,M] embedding is never stored and the layer's weight takes one launch, not a chain of small ones.
    /// </summary>
    void HyperWeightForward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage b2, DeviceStorage w, in HyperShape shape);
    /// <summary>
    /// Gradients of <see cref="HyperWeightForward"/> for every input, from dw; all outputs overwritten.
    /// Fused: the same chain backwards per pair (embedding recomputed, not stored), then one pass per latent side, no atomics.
    /// </summary>
    void HyperWeightBackward(DeviceStorage zIn, DeviceStorage zOut, DeviceStorage b0, DeviceStorage w1, DeviceStorage b1,
        DeviceStorage w2, DeviceStorage dw, DeviceStorage dzIn, DeviceStorage dzOut, DeviceStorage db0, DeviceStorage dw1,
        DeviceStorage db1, DeviceStorage dw2, DeviceStorage db2, in HyperShape shape);
    /// <summary>
    /// In place: z = sign(z) max(|z| - thr, 0) on the first n entries, only while more than minChannels entries
    /// have |z| &gt;= pruneThreshold, and never for the <paramref name="exempt"/> largest (0: DHP's soft_thresholding
    /// exactly; <see cref="Kernels.Cpu.Proximal"/>).
    /// Fused: the count, the order of magnitudes and the threshold run on the device in one step, with no host round trip.
    /// </summary>
    void ProximalStep(DeviceStorage z, int n, float thr, float pruneThreshold, int minChannels, int exempt);

    // ---- optimizers --------------------------------------------------------------------------------

    /// <summary>
    /// One Adam step with PyTorch's semantics (torch.optim.Adam, amsgrad off): g' = g + weightDecay * p;
    /// m = beta1 m + (1 - beta1) g'; v = beta2 v + (1 - beta2) g'^2;
    /// p -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps). step counts from 1.
    /// Fused: one pass over p, g, m and v instead of about ten elementwise ops, in PyTorch's order of operations.
    /// </summary>
    void AdamStep(DeviceStorage p, DeviceStorage g, DeviceStorage m, DeviceStorage v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, int step);
}
