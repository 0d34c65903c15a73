using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// CycleGAN's history of generated images (ImagePool, Shrivastava et al.): until it holds <see cref="Capacity"/> images
/// every fake passes through and is stored; afterwards each fake is, with probability 1/2, swapped for a random stored
/// one. Its random draws come from a counter-based hash, so the pool's whole state is its images and the counter,
/// which checkpoints save. Not thread-safe.
/// </summary>
public sealed class ImagePool
{
    readonly uint _seed;
    readonly List<float[]> _images = new();

    /// <summary>Creates an empty pool; capacity 0 passes every image through.</summary>
    public ImagePool(int capacity, uint seed)
    {
        if (capacity < 0) throw new ArgumentException($"the pool size must be >= 0, got {capacity}.");
        Capacity = capacity;
        _seed = seed;
    }

    /// <summary>Images the pool holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Random numbers drawn so far.</summary>
    public long Draws { get; private set; }

    /// <summary>The stored images (CHW each).</summary>
    public IReadOnlyList<float[]> Images => _images;

    /// <summary>The images to show the discriminator for this batch of fakes (each CHW of <paramref name="plane"/> values).</summary>
    public float[] Query(float[] batch, int plane)
    {
        if (Capacity == 0) return batch;
        var result = (float[])batch.Clone();
        for (int k = 0; k < batch.Length / plane; k++)
        {
            var image = batch.AsSpan(k * plane, plane).ToArray();
            if (_images.Count < Capacity) { _images.Add(image); continue; }
            if (Next() > 0.5)
            {
                int id = (int)(Next() * Capacity) % Capacity;
                _images[id].CopyTo(result, k * plane);
                _images[id] = image;
            }
        }
        return result;
    }

    /// <summary>Puts back saved contents and the draw counter.</summary>
    internal void Restore(IEnumerable<float[]> images, long draws)
    {
        _images.Clear();
        _images.AddRange(images);
        if (_images.Count > Capacity) throw new InvalidDataException($"the saved image pool holds {_images.Count} images, more than its size {Capacity}.");
        Draws = draws;
    }

    double Next() => RandomHash.Hash(_seed, (uint)Draws++) / 4294967296.0;
}
