using System.Runtime.InteropServices;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Weights frozen for inference and their packed copies, for one backend (issue 19.2; ONNX Runtime prepacks the
/// same way). A training step changes its weights between forwards, so every GEMM packs its left operand anew
/// and Winograd compares its cached transform against the weights; weights declared frozen (<see cref="Freeze"/>)
/// cannot change, so a GEMM that reads one packs it once, keeps the packed copy here, and Winograd trusts its
/// cached transform without the comparison. Packing is a copy, so results are bit-identical either way.
/// </summary>
/// <remarks>
/// Thread-safe. Entries are keyed by the weights' address: whoever freezes a buffer must <see cref="Release"/> it
/// before the buffer is freed or written, or a later buffer at that address would meet stale packed copies.
/// </remarks>
public sealed unsafe class PackedWeights : IDisposable
{
    readonly object _lock = new();
    readonly Dictionary<nint, long> _frozen = new();
    readonly Dictionary<(nint A, bool TransA, int Mr, int M, int K, int Lda, int Kb), nint> _packs = new();
    long _hits, _packed;

    /// <summary>Declares the <paramref name="floats"/> weights at <paramref name="w"/> unchanging until <see cref="Release"/>.</summary>
    public void Freeze(float* w, long floats)
    {
        lock (_lock)
        {
            DropPacks((nint)w);
            _frozen[(nint)w] = floats;
        }
        // A transform cached for an earlier buffer at this address must not be trusted without a comparison.
        WinogradConv.WeightCache.Forget(w);
    }

    /// <summary>Ends the freeze of the weights at <paramref name="w"/> and frees their packed copies.</summary>
    public void Release(float* w)
    {
        lock (_lock)
        {
            _frozen.Remove((nint)w);
            DropPacks((nint)w);
        }
        WinogradConv.WeightCache.Forget(w);
    }

    /// <summary>Whether the weights starting at <paramref name="w"/> are frozen.</summary>
    public bool IsFrozen(float* w)
    {
        lock (_lock) return _frozen.ContainsKey((nint)w);
    }

    /// <summary>GEMMs that found their left operand packed already.</summary>
    public long Hits { get { lock (_lock) return _hits; } }

    /// <summary>Packed copies made so far (one per frozen weight and GEMM shape).</summary>
    public long Packed { get { lock (_lock) return _packed; } }

    /// <summary>
    /// The packed copy of frozen A for this GEMM shape (every K pass of <paramref name="kb"/> after the other), made
    /// by <paramref name="pack"/> on first use; null when A is not frozen.
    /// </summary>
    internal float* Get(float* a, bool transA, int mr, int m, int k, int lda, int kb, long floats, Action<IntPtr> pack)
    {
        var key = ((nint)a, transA, mr, m, k, lda, kb);
        lock (_lock)
        {
            if (!_frozen.ContainsKey((nint)a)) return null;
            if (_packs.TryGetValue(key, out var p))
            {
                _hits++;
                return (float*)p;
            }
        }
        var fresh = (nint)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        pack(fresh);
        lock (_lock)
        {
            // Released, or packed by another thread, while this one packed: keep the first copy.
            if (!_frozen.ContainsKey((nint)a) || _packs.ContainsKey(key))
            {
                NativeMemory.AlignedFree((void*)fresh);
                return _packs.TryGetValue(key, out var other) ? (float*)other : null;
            }
            _packs[key] = fresh;
            _packed++;
            return (float*)fresh;
        }
    }

    void DropPacks(nint w)
    {
        foreach (var key in _packs.Keys.Where(k => k.A == w).ToList())
        {
            NativeMemory.AlignedFree((void*)_packs[key]);
            _packs.Remove(key);
        }
    }

    /// <summary>Frees every packed copy and forgets every freeze.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var p in _packs.Values) NativeMemory.AlignedFree((void*)p);
            _packs.Clear();
            foreach (var w in _frozen.Keys) WinogradConv.WeightCache.Forget((float*)w);
            _frozen.Clear();
        }
    }
}
