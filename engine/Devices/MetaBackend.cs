namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// A backend that holds no data and computes nothing: ops still check their arguments and work out every
/// shape, so a model runs "on paper". The MAC counter runs models here, which makes counting a 56 GMAC
/// generator cost microseconds and no memory. Every op is <see cref="NoOpBackend"/>'s: only storage is its own.
/// </summary>
public sealed class MetaBackend : NoOpBackend
{
    /// <inheritdoc />
    public override string Name => "meta";

    /// <inheritdoc />
    public override DeviceStorage Allocate(int length) => new MetaStorage(this, length);

    sealed class MetaStorage(IBackend backend, int length) : DeviceStorage(backend, length)
    {
        public override void Dispose() { }
    }
}
