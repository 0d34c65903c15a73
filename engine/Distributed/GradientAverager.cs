using System.Diagnostics;

using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Distributed;

/// <summary>
/// Averages an optimizer's gradients over the ranks: every gradient is packed into one pinned host buffer, the buffer
/// is summed by all-reduce in a few calls of at most <see cref="ChunkFloats"/> floats (per-tensor calls would pay the
/// latency hundreds of times per step), divided by the number of ranks and copied back.
/// </summary>
/// <remarks>
/// The buffer holds every parameter in the optimizer's order, a null gradient packed as zeros, and after them one
/// flag per parameter (1 where this rank has a gradient). After the sum a parameter with a gradient on any rank gets
/// the average with the missing ones counted as zero, created where it was null, so Adam steps it on every rank; one
/// with no gradient anywhere stays null and Adam skips it everywhere, as in a single process. The ranks therefore
/// make the same updates even if their graphs differed. Gradients on a GPU go through the host (no CUDA-aware MPI).
/// </remarks>
public sealed class GradientAverager
{
    /// <summary>Floats per all-reduce call by default (16 MB): large enough to reach the link's bandwidth, small
    /// enough that a huge model does not need one huge contiguous call.</summary>
    public const int DefaultChunkFloats = 4 << 20;

    readonly ICommunicator _comm;
    float[] _buffer = [];

    /// <summary>Averages over <paramref name="communicator"/>'s ranks in calls of at most <paramref name="chunkFloats"/> floats.</summary>
    public GradientAverager(ICommunicator communicator, int chunkFloats = DefaultChunkFloats)
    {
        if (chunkFloats < 1) throw new ArgumentException($"the all-reduce chunk must hold at least one float, got {chunkFloats}.");
        _comm = communicator;
        ChunkFloats = chunkFloats;
    }

    /// <summary>Most floats per all-reduce call.</summary>
    public int ChunkFloats { get; }

    /// <summary>Calls of <see cref="Average"/> so far.</summary>
    public long Averages { get; private set; }

    /// <summary>All-reduce calls made so far.</summary>
    public long AllReduceCalls { get; private set; }

    /// <summary>Bytes all-reduced so far (this rank's buffers).</summary>
    public long Bytes { get; private set; }

    /// <summary>Seconds in the all-reduce calls so far (including waiting for the slowest rank).</summary>
    public double AllReduceSeconds { get; private set; }

    /// <summary>Seconds packing and unpacking (device-host copies) so far.</summary>
    public double CopySeconds { get; private set; }

    /// <summary>Replaces every gradient of <paramref name="parameters"/> by its average over the ranks (see remarks).</summary>
    public void Average(IReadOnlyList<KeyValuePair<string, Tensor>> parameters)
    {
        if (_comm.Size == 1) return;
        long t0 = Stopwatch.GetTimestamp();
        long total = parameters.Count;
        foreach (var (_, p) in parameters) total += p.Length;
        if (total > Array.MaxLength)
            throw new NotSupportedException($"the gradients hold {total:N0} floats, more than one host buffer can; split the optimizer.");
        if (_buffer.Length < total) _buffer = GC.AllocateUninitializedArray<float>((int)total, pinned: true);
        var buffer = _buffer.AsSpan(0, (int)total);
        Pack(parameters, buffer);
        long t1 = Stopwatch.GetTimestamp();
        for (int start = 0; start < buffer.Length; start += ChunkFloats)
        {
            _comm.AllReduceSum(buffer.Slice(start, Math.Min(ChunkFloats, buffer.Length - start)));
            AllReduceCalls++;
        }
        long t2 = Stopwatch.GetTimestamp();
        Unpack(parameters, buffer, _comm.Size);
        Averages++;
        Bytes += total * sizeof(float);
        AllReduceSeconds += Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
        CopySeconds += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds + Stopwatch.GetElapsedTime(t2).TotalSeconds;
    }

    /// <summary>Floats <see cref="Pack"/> needs for <paramref name="parameters"/>: every element plus one flag each.</summary>
    internal static long PackedLength(IReadOnlyList<KeyValuePair<string, Tensor>> parameters) =>
        parameters.Count + parameters.Sum(p => (long)p.Value.Length);

    /// <summary>Writes every gradient (zeros for none) in order, then the presence flags.</summary>
    internal static void Pack(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, Span<float> buffer)
    {
        int at = 0, flags = buffer.Length - parameters.Count;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Value;
            var slice = buffer.Slice(at, p.Length);
            if (p.Grad is { } g) g.Device.Download(g.Storage, slice);
            else slice.Clear();
            buffer[flags + i] = p.Grad != null ? 1f : 0f;
            at += p.Length;
        }
    }

    /// <summary>Divides the summed gradients by <paramref name="ranks"/> and stores them (see the class remarks).</summary>
    internal static void Unpack(IReadOnlyList<KeyValuePair<string, Tensor>> parameters, Span<float> buffer, int ranks)
    {
        int at = 0, flags = buffer.Length - parameters.Count;
        float n = ranks;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Value;
            var slice = buffer.Slice(at, p.Length);
            at += p.Length;
            if (buffer[flags + i] == 0f) continue;
            // A division, not a product with 1/n: exact wherever n is a power of two, and correctly rounded otherwise.
            System.Numerics.Tensors.TensorPrimitives.Divide(slice, n, slice);
            if (p.Grad == null)
            {
                var g = Tensor.Zeros(p.Device, p.Dims);
                Tape.Release(g);   // lives as long as the parameter, like a gradient the tape made
                p.Grad = g;
            }
            p.Device.Backend.Upload(slice, p.Grad.Storage);
        }
    }
}
