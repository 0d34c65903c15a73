namespace CoroNetGAN;

/// <summary>One training sample: image A and image B as CHW float32 in [-1, 1] (B of another index when unpaired).</summary>
/// <param name="A">Source image, 3 x Size x Size.</param>
/// <param name="B">Target image, 3 x Size x Size.</param>
public sealed record ImagePair(float[] A, float[] B);

/// <summary>
/// A dataset of images at a fixed size. Sampling is a pure function of (index, augmentation seed), so a run that
/// resumes from a checkpoint draws exactly the crops and flips an uninterrupted run would have drawn.
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of samples in an epoch (for unpaired data, the larger of the two domains).</summary>
    int Count { get; }

    /// <summary>Height and width of every sample.</summary>
    int Size { get; }

    /// <summary>True when A and B of a sample belong together (pix2pix); false for unpaired domains (CycleGAN).</summary>
    bool Paired { get; }

    /// <summary>Sample <paramref name="index"/> (0 &lt;= index &lt; Count) with its random crop and flip drawn from <paramref name="augmentationSeed"/>.</summary>
    ImagePair Load(int index, uint augmentationSeed);
}
