using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Data;

/// <summary>A batch on the host: A and B as NCHW float32 arrays of shape [N, 3, Size, Size].</summary>
/// <param name="A">Source images.</param>
/// <param name="B">Target images.</param>
/// <param name="Shape">[N, 3, Size, Size].</param>
public sealed record HostBatch(float[] A, float[] B, int[] Shape);

/// <summary>
/// Batches in a shuffled order that is a pure function of (seed, epoch), or in order when serial, so the batch of any
/// step can be produced again after a resume: <see cref="BatchAt"/> needs nothing but the step number.
/// </summary>
public sealed class DataLoader
{
    readonly IImageDataset _data;
    readonly uint _seed;
    readonly bool _serial;

    /// <summary>Creates the loader; batches hold <paramref name="batchSize"/> samples, in order when <paramref name="serial"/>.</summary>
    /// <remarks>With <paramref name="ranks"/> &gt; 1 a step's global batch is <paramref name="ranks"/> x
    /// <paramref name="batchSize"/> samples of the same order and this loader yields shard <paramref name="rank"/> of it:
    /// samples (step x ranks + rank) x batchSize onwards, so the ranks together see what one process with the global
    /// batch would, augmentation included (it is seeded by the sample's global position).</remarks>
    public DataLoader(IImageDataset data, int batchSize, uint seed, bool serial = false, int rank = 0, int ranks = 1)
    {
        if (data.Count < 1) throw new ArgumentException("The dataset is empty.");
        if (batchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {batchSize}.");
        if (ranks < 1 || rank < 0 || rank >= ranks) throw new ArgumentException($"rank {rank} is not one of {ranks} ranks.");
        _data = data;
        BatchSize = batchSize;
        _seed = seed;
        _serial = serial;
        Rank = rank;
        Ranks = ranks;
    }

    /// <summary>Samples per batch (this rank's shard of the global batch).</summary>
    public int BatchSize { get; }

    /// <summary>Which shard of each global batch this loader yields.</summary>
    public int Rank { get; }

    /// <summary>Shards per global batch.</summary>
    public int Ranks { get; }

    /// <summary>The batch of training step <paramref name="step"/> (0-based).</summary>
    public HostBatch BatchAt(long step)
    {
        int s = _data.Size, plane = ImageIO.Channels * s * s;
        var a = new float[BatchSize * plane];
        var b = new float[BatchSize * plane];
        for (int k = 0; k < BatchSize; k++)
        {
            long sample = (step * Ranks + Rank) * BatchSize + k;
            int epoch = (int)(sample / _data.Count);
            int pos = (int)(sample % _data.Count);
            int index = _serial ? pos : Permutation(epoch)[pos];
            var pair = _data.Load(index, RandomHash.Hash(_seed ^ 0x5bd1e995u, (uint)sample));
            Array.Copy(pair.A, 0, a, k * plane, plane);
            Array.Copy(pair.B, 0, b, k * plane, plane);
        }
        return new HostBatch(a, b, [BatchSize, ImageIO.Channels, s, s]);
    }

    int _permEpoch = -1;
    int[] _perm = [];

    int[] Permutation(int epoch)
    {
        if (epoch == _permEpoch) return _perm;
        var rng = new Random((int)RandomHash.Hash(_seed, (uint)epoch));
        _perm = Enumerable.Range(0, _data.Count).ToArray();
        rng.Shuffle(_perm);
        _permEpoch = epoch;
        return _perm;
    }
}
