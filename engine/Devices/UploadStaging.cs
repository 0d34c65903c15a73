using ILGPU;
using ILGPU.Runtime;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// Page-locked host buffers that let an upload be queued instead of waited for. ILGPU's copy from a managed span
/// waits for the stream (the span may move once the call returns); copying the span into a page-locked buffer
/// first and queueing the copy from there does not. A buffer stays in flight until the next wait on the stream
/// (<see cref="Recycle"/>), then serves later uploads of the same length: a training step uploads the same
/// shapes every time, so after the first step no buffer is allocated.
/// </summary>
internal sealed class UploadStaging : IDisposable
{
    // In-flight buffers past this many floats make the next upload wait and recycle them, so a loop that
    // uploads without ever reading back holds a bounded amount of pinned memory.
    internal const long MaxInFlightFloats = 1L << 26;

    readonly Accelerator _acc;
    readonly Dictionary<int, Stack<PageLockedArray1D<float>>> _free = new();
    readonly List<PageLockedArray1D<float>> _inFlight = new();
    long _inFlightFloats;

    public UploadStaging(Accelerator accelerator) => _acc = accelerator;

    /// <summary>Page-locked buffers allocated so far.</summary>
    public long Allocations { get; private set; }

    /// <summary>True when the in-flight buffers plus <paramref name="length"/> more would pass the bound.</summary>
    public bool Full(int length) => _inFlightFloats + length > MaxInFlightFloats;

    /// <summary>Copies <paramref name="src"/> into a staging buffer and queues its copy into <paramref name="dst"/>.</summary>
    public void Upload(ReadOnlySpan<float> src, ArrayView<float> dst, AcceleratorStream stream)
    {
        int n = src.Length;
        var buffer = _free.TryGetValue(n, out var stack) && stack.Count > 0 ? stack.Pop() : Allocate(n);
        src.CopyTo(buffer.Span);
        dst.SubView(0, n).CopyFrom(stream, buffer.ArrayView);
        _inFlight.Add(buffer);
        _inFlightFloats += n;
    }

    PageLockedArray1D<float> Allocate(int n)
    {
        Allocations++;
        return _acc.AllocatePageLocked1D<float>(n);
    }

    /// <summary>Makes every in-flight buffer free again; call only after the stream has been waited for.</summary>
    public void Recycle()
    {
        foreach (var b in _inFlight)
        {
            int n = (int)b.Length;
            if (!_free.TryGetValue(n, out var stack)) _free[n] = stack = new Stack<PageLockedArray1D<float>>();
            stack.Push(b);
        }
        _inFlight.Clear();
        _inFlightFloats = 0;
    }

    public void Dispose()
    {
        foreach (var b in _inFlight) b.Dispose();
        foreach (var stack in _free.Values)
            foreach (var b in stack) b.Dispose();
        _inFlight.Clear();
        _free.Clear();
    }
}
