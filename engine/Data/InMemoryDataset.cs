namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Samples held in memory as they are: no files, no crop, no flip. For images a program already has (decoded
/// elsewhere, generated, or the inputs of a reference run) and for replaying exact inputs: with
/// <see cref="TrainOptions.SerialBatches"/>, step k trains on sample k. Immutable after construction, so
/// thread-safe; the arrays are copied in and handed out as copies.
/// </summary>
public sealed class InMemoryDataset : IImageDataset
{
    readonly ImagePair[] _samples;

    /// <summary>Holds <paramref name="samples"/>, each A and B a 3 x size x size CHW array in [-1, 1].</summary>
    /// <param name="samples">The samples; A and B of one sample belong together when <paramref name="paired"/>.</param>
    /// <param name="size">Height and width of every image.</param>
    /// <param name="paired">Whether A and B of a sample are a pair (pix2pix) or two unrelated domain images (CycleGAN).</param>
    /// <exception cref="ArgumentException">No samples, a size below 1, or an image of the wrong length (the message names it).</exception>
    public InMemoryDataset(IReadOnlyList<ImagePair> samples, int size, bool paired)
    {
        if (samples.Count == 0) throw new ArgumentException("an in-memory dataset needs at least one sample.", nameof(samples));
        if (size < 1) throw new ArgumentException($"the image size must be positive, got {size}.", nameof(size));
        int plane = 3 * size * size;
        for (int i = 0; i < samples.Count; i++)
        {
            if (samples[i].A.Length != plane || samples[i].B.Length != plane)
                throw new ArgumentException($"sample {i} holds {samples[i].A.Length} and {samples[i].B.Length} values; 3 x {size} x {size} = {plane} were expected.", nameof(samples));
        }
        _samples = samples.Select(s => new ImagePair((float[])s.A.Clone(), (float[])s.B.Clone())).ToArray();
        Size = size;
        Paired = paired;
    }

    /// <inheritdoc/>
    public int Count => _samples.Length;

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public bool Paired { get; }

    /// <inheritdoc/>
    public ImagePair Load(int index, uint augmentationSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var s = _samples[index];
        return new ImagePair((float[])s.A.Clone(), (float[])s.B.Clone());
    }
}
