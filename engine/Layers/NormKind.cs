namespace CoroNetGAN;

/// <summary>The normalisation a model uses, as pytorch-CycleGAN-and-pix2pix's <c>--norm</c>.</summary>
public enum NormKind
{
    /// <summary>InstanceNorm2d(affine=False, track_running_stats=False): CycleGAN's default.</summary>
    Instance,
    /// <summary>BatchNorm2d(affine=True, track_running_stats=True): pix2pix's default.</summary>
    Batch,
    /// <summary>No normalisation.</summary>
    None,
}
