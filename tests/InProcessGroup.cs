using CoroNetGAN.Engine.Distributed;

namespace CoroNetGAN.Tests;

/// <summary>
/// A fake MPI job inside one process: <see cref="Create"/> gives one communicator per rank, each to be used from its
/// own thread. Sums are taken in rank order, so every rank gets the same bits, as MPI's do.
/// </summary>
public sealed class InProcessGroup
{
    readonly Barrier _barrier;
    readonly float[][] _floats;
    byte[] _bytes = [];

    InProcessGroup(int size)
    {
        _barrier = new Barrier(size);
        _floats = new float[size][];
    }

    /// <summary>Communicators of ranks 0 to <paramref name="size"/> - 1 of a new group.</summary>
    public static ICommunicator[] Create(int size)
    {
        var group = new InProcessGroup(size);
        return Enumerable.Range(0, size).Select(r => (ICommunicator)new Member(group, r, size)).ToArray();
    }

    /// <summary>Runs <paramref name="body"/> once per rank, each on its own thread, and waits for all.</summary>
    public static void Run(ICommunicator[] ranks, Action<ICommunicator> body)
    {
        var errors = new Exception?[ranks.Length];
        var threads = ranks.Select((c, i) => new Thread(() =>
        {
            try { body(c); }
            catch (Exception e) { errors[i] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (errors.FirstOrDefault(e => e != null) is { } first) throw new AggregateException(first);
    }

    /// <summary>All-reduce calls made by rank 0 (to check how a buffer was split).</summary>
    public int Calls { get; private set; }

    sealed class Member(InProcessGroup group, int rank, int size) : ICommunicator
    {
        public int Rank => rank;
        public int Size => size;

        public void AllReduceSum(Span<float> values)
        {
            group._floats[rank] = values.ToArray();
            group._barrier.SignalAndWait();
            for (int k = 0; k < values.Length; k++)
            {
                float s = 0;
                for (int r = 0; r < size; r++) s += group._floats[r][k];
                values[k] = s;
            }
            if (rank == 0) group.Calls++;
            group._barrier.SignalAndWait();
        }

        public void Broadcast(Span<byte> data, int root)
        {
            if (rank == root) group._bytes = data.ToArray();
            group._barrier.SignalAndWait();
            if (rank != root) group._bytes.CopyTo(data);
            group._barrier.SignalAndWait();
        }

        public void Barrier() => group._barrier.SignalAndWait();

        public void Dispose() { }
    }
}
