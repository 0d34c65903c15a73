using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Distributed;

/// <summary>Collectives over whole tensors: averaging state that may differ per rank, and checking that weights agree.</summary>
public static class RankSync
{
    /// <summary>
    /// Replaces each of <paramref name="tensors"/> by its average over the ranks, in one all-reduce: BatchNorm's
    /// running statistics, which each rank updates from its own shard's batch statistics.
    /// </summary>
    public static void Average(ICommunicator communicator, IReadOnlyList<Tensor> tensors)
    {
        if (communicator.Size == 1 || tensors.Count == 0) return;
        var buffer = new float[tensors.Sum(t => t.Length)];
        int at = 0;
        foreach (var t in tensors)
        {
            t.Device.Download(t.Storage, buffer.AsSpan(at, t.Length));
            at += t.Length;
        }
        communicator.AllReduceSum(buffer);
        float n = communicator.Size;
        System.Numerics.Tensors.TensorPrimitives.Divide(buffer, n, buffer);
        at = 0;
        foreach (var t in tensors)
        {
            t.CopyFrom(buffer.AsSpan(at, t.Length));
            at += t.Length;
        }
    }

    /// <summary>A 64-bit FNV-1a hash of the tensors' float bits in order: equal on two ranks exactly when (barring
    /// collisions) their values are bit-identical.</summary>
    public static ulong Fingerprint(IEnumerable<Tensor> tensors)
    {
        ulong h = 14695981039346656037UL;
        foreach (var t in tensors)
            foreach (float v in t.ToArray())
            {
                uint bits = BitConverter.SingleToUInt32Bits(v);
                for (int b = 0; b < 4; b++) { h ^= (bits >> (8 * b)) & 0xff; h *= 1099511628211UL; }
            }
        return h;
    }

    /// <summary>Whether every rank passed the same <paramref name="fingerprint"/> (rank 0's is broadcast, the
    /// disagreements counted by all-reduce); the same answer on every rank.</summary>
    public static bool Agree(ICommunicator communicator, ulong fingerprint)
    {
        if (communicator.Size == 1) return true;
        Span<byte> root = stackalloc byte[8];
        BitConverter.TryWriteBytes(root, fingerprint);
        communicator.Broadcast(root, 0);
        Span<float> differs = [BitConverter.ToUInt64(root) == fingerprint ? 0f : 1f];
        communicator.AllReduceSum(differs);
        return differs[0] == 0f;
    }
}
