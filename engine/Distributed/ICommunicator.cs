namespace CoroNetGAN;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of <see cref="Size"/> processes
/// (ranks). Every rank must make the same calls in the same order with the same lengths; a rank that does not
/// leaves the others waiting (see <see cref="MpiCommunicator"/>'s watchdog). Implemented over MPI by
/// <see cref="MpiCommunicator"/>; tests use an in-process group.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's index in the group, 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>Processes in the group.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the element-wise sum over all ranks.</summary>
    /// <remarks>Every rank must receive the same bits (the summation order must not depend on the rank), or the
    /// ranks' weights drift apart; MPI implementations do this for their built-in reductions.</remarks>
    void AllReduceSum(Span<float> values);

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> of every other rank.</summary>
    void Broadcast(Span<byte> data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
