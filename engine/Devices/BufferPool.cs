namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// Reuses device buffers by exact length. A training step allocates the same set of shapes every time, so after
/// the first step every tensor is served from here and the allocator is never called.
/// </summary>
internal sealed class BufferPool : IDisposable
{
    readonly IBackend _backend;
    readonly Dictionary<int, Stack<DeviceStorage>> _free = new();
    readonly object _lock = new();
    long _pooledFloats;
    long _hits, _misses;

    public BufferPool(IBackend backend) => _backend = backend;

    /// <summary>Floats currently held free in the pool.</summary>
    public long PooledFloats { get { lock (_lock) return _pooledFloats; } }

    /// <summary>Rents served from the free buffers.</summary>
    public long Hits { get { lock (_lock) return _hits; } }

    /// <summary>Rents that had to allocate.</summary>
    public long Misses { get { lock (_lock) return _misses; } }

    public DeviceStorage Rent(int length)
    {
        lock (_lock)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                _pooledFloats -= length;
                _hits++;
                return stack.Pop();
            }
            _misses++;
        }
        return _backend.Allocate(length);
    }

    public void Return(DeviceStorage storage)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(storage.Length, out var stack)) _free[storage.Length] = stack = new Stack<DeviceStorage>();
            stack.Push(storage);
            _pooledFloats += storage.Length;
        }
    }

    /// <summary>Frees every pooled buffer.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            foreach (var stack in _free.Values)
                while (stack.Count > 0) stack.Pop().Dispose();
            _pooledFloats = 0;
        }
    }

    public void Dispose() => Trim();
}
