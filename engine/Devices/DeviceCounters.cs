namespace CoroNetGAN;

/// <summary>
/// What a device has done that costs more than a kernel launch, counted since it was opened: waits for the
/// device, reads to the host, and where its buffers came from. Subtract two snapshots (<see cref="Since"/>) to
/// get the counts of one training step.
/// </summary>
/// <param name="HostReads">Copies from the device to the host (<see cref="Device.HostReads"/>).</param>
/// <param name="Syncs">
/// Times the host waited for the device's queued work: every host read, every explicit
/// <see cref="Device.Synchronize"/>, and any upload that had to wait. Zero on the <c>cpu</c> device, whose ops
/// finish before they return.
/// </param>
/// <param name="PoolHits">Buffers the device's pool served from its free buffers.</param>
/// <param name="PoolMisses">Buffers the pool had to allocate.</param>
/// <param name="Allocations">
/// Device and pinned host buffers the backend allocated outside the pool (scratch, staging for uploads).
/// Zero on the <c>cpu</c> device.
/// </param>
public readonly record struct DeviceCounters(long HostReads, long Syncs, long PoolHits, long PoolMisses, long Allocations)
{
    /// <summary>Pool hits over all pool requests; 1 when there were none.</summary>
    public double PoolHitRate => PoolHits + PoolMisses == 0 ? 1 : (double)PoolHits / (PoolHits + PoolMisses);

    /// <summary>The counts between <paramref name="before"/> and this snapshot.</summary>
    /// <param name="before">An earlier snapshot of the same device.</param>
    public DeviceCounters Since(DeviceCounters before) =>
        new(HostReads - before.HostReads, Syncs - before.Syncs, PoolHits - before.PoolHits, PoolMisses - before.PoolMisses,
            Allocations - before.Allocations);

    /// <inheritdoc />
    public override string ToString() =>
        $"{HostReads} host reads, {Syncs} syncs, pool {PoolHits} hits / {PoolMisses} misses (hit rate {PoolHitRate:P1}), {Allocations} other allocations";
}
