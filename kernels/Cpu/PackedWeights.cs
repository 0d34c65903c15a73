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
/// <para>Thread-safe. Entries are keyed by the weights' address: whoever freezes a buffer must <see cref="Release"/> it
/// before the buffer is freed or written, or a later buffer at that address would meet stale packed copies.</para>
/// <para>Training weights change only at the optimizer step, yet a discriminator reads the same weights in two or
/// three forwards between two steps. The backend stamps each buffer's contents (a number it never hands out twice,
/// renewed whenever the buffer may be written) and vouches for a weight for the length of one conv call
/// (<see cref="Trust"/>); a GEMM then keeps its packed copy under that stamp and reuses it while the stamp is
/// unchanged, so weights are packed once per change instead of once per call, within the byte budget given at
/// construction.</para>
/// </remarks>
public sealed unsafe class PackedWeights : IDisposable
{
    readonly object _lock = new();
    readonly Dictionary<nint, long> _frozen = new();
    readonly Dictionary<(nint A, bool TransA, int Mr, int M, int K, int Lda, int Kb), Pack> _packs = new();
    readonly Dictionary<nint, (long Stamp, int Depth)> _trusted = new();
    readonly long _stampedBudget;
    long _hits, _packed, _stampedBytes;

    // One packed copy. A stamped copy holds the contents stamped Stamp; Busy while its owner packs into it (others
    // then pack their own), Orphan when dropped meanwhile (the packer frees it).
    sealed class Pack(nint ptr, long floats, bool stamped)
    {
        public readonly nint Ptr = ptr;
        public readonly long Floats = floats;
        public readonly bool Stamped = stamped;
        public long Stamp;
        public bool Busy, Orphan;
    }

    /// <summary>
    /// Creates an empty set; packed copies of trusted training weights may take up to <paramref name="stampedBytes"/>
    /// bytes in all (0: none are kept, and every GEMM on unfrozen weights packs them anew).
    /// </summary>
    public PackedWeights(long stampedBytes = 0) => _stampedBudget = Math.Max(0, stampedBytes);

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

    /// <summary>
    /// Vouches, until the returned scope is disposed, that the weights at <paramref name="w"/> hold the contents the
    /// caller stamped <paramref name="stamp"/> (positive; the caller never gives the same stamp to other contents at
    /// this address) and that nothing writes them meanwhile. GEMMs reading them keep their packed copy under that
    /// stamp and reuse it in later scopes with the same stamp.
    /// </summary>
    public TrustScope Trust(float* w, long stamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stamp);
        if (_stampedBudget == 0) return default;
        lock (_lock)
        {
            _trusted[(nint)w] = _trusted.TryGetValue((nint)w, out var t) && t.Stamp == stamp ? (stamp, t.Depth + 1) : (stamp, 1);
        }
        return new TrustScope(this, (nint)w);
    }

    void Untrust(nint w)
    {
        lock (_lock)
        {
            if (!_trusted.TryGetValue(w, out var t)) return;
            if (t.Depth <= 1) _trusted.Remove(w);
            else _trusted[w] = (t.Stamp, t.Depth - 1);
        }
    }

    /// <summary>The extent of one <see cref="Trust"/>; disposing it withdraws the promise.</summary>
    public readonly struct TrustScope : IDisposable
    {
        readonly PackedWeights? _owner;
        readonly nint _w;

        internal TrustScope(PackedWeights owner, nint w)
        {
            _owner = owner;
            _w = w;
        }

        /// <summary>Withdraws the promise.</summary>
        public void Dispose() => _owner?.Untrust(_w);
    }

    /// <summary>GEMMs that found their left operand packed already (frozen, or trusted under an unchanged stamp).</summary>
    public long Hits { get { lock (_lock) return _hits; } }

    /// <summary>Packed copies made so far (one per frozen weight and GEMM shape; one per stamp of a trusted weight).</summary>
    public long Packed { get { lock (_lock) return _packed; } }

    /// <summary>Bytes now held by packed copies of trusted (training) weights.</summary>
    public long StampedBytes { get { lock (_lock) return _stampedBytes; } }

    /// <summary>
    /// The packed copy of A for this GEMM shape (every K pass of <paramref name="kb"/> after the other), made by
    /// <paramref name="pack"/> when A is frozen and has none yet, or trusted and has none under its current stamp;
    /// null when A is neither, or a trusted copy would exceed the budget or is being packed by another thread (the
    /// caller then packs into its scratch as usual).
    /// </summary>
    internal float* Get(float* a, bool transA, int mr, int m, int k, int lda, int kb, long floats, Action<IntPtr> pack)
    {
        var key = ((nint)a, transA, mr, m, k, lda, kb);
        Pack? p;
        long stamp;
        lock (_lock)
        {
            if (_frozen.ContainsKey((nint)a))
            {
                if (_packs.TryGetValue(key, out var f))
                {
                    _hits++;
                    return (float*)f.Ptr;
                }
                p = null;
                stamp = 0;
            }
            else if (_trusted.TryGetValue((nint)a, out var t))
            {
                stamp = t.Stamp;
                if (_packs.TryGetValue(key, out p))
                {
                    if (p.Busy) return null;
                    if (p.Stamp == stamp)
                    {
                        _hits++;
                        return (float*)p.Ptr;
                    }
                }
                else
                {
                    long bytes = floats * sizeof(float);
                    if (_stampedBytes + bytes > _stampedBudget) return null;
                    _stampedBytes += bytes;
                    p = new Pack((nint)NativeMemory.AlignedAlloc((nuint)bytes, 64), floats, stamped: true);
                    _packs[key] = p;
                }
                p.Busy = true;
            }
            else return null;
        }
        if (p != null)
        {
            pack(p.Ptr);
            lock (_lock)
            {
                p.Busy = false;
                if (p.Orphan)
                {
                    Free(p);
                    return null;
                }
                p.Stamp = stamp;
                _packed++;
                return (float*)p.Ptr;
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
                return _frozen.ContainsKey((nint)a) && _packs.TryGetValue(key, out var other) && !other.Stamped ? (float*)other.Ptr : null;
            }
            _packs[key] = new Pack(fresh, floats, stamped: false);
            _packed++;
            return (float*)fresh;
        }
    }

    /// <summary>
    /// The weights w packed as column panels for <see cref="PixelMajorConv"/> (the right operand of a transposed product:
    /// wᵀ's panels for the forward, w's own for the input gradient, told apart by <paramref name="ofRows"/>), under the
    /// same rules as <see cref="Get"/>; a negative panel width in the key keeps these copies apart from the row panels
    /// a GEMM packs of the same weights.
    /// </summary>
    internal float* GetColumnPanels(float* w, bool ofRows, int nr, int cols, int k, long floats, Action<IntPtr> pack) =>
        Get(w, ofRows, -nr, cols, k, k, k, floats, pack);

    void DropPacks(nint w)
    {
        foreach (var key in _packs.Keys.Where(k => k.A == w).ToList())
        {
            var p = _packs[key];
            _packs.Remove(key);
            if (p.Busy) p.Orphan = true;
            else Free(p);
        }
    }

    void Free(Pack p)
    {
        NativeMemory.AlignedFree((void*)p.Ptr);
        if (p.Stamped) _stampedBytes -= p.Floats * sizeof(float);
    }

    /// <summary>Frees every packed copy and forgets every freeze.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var p in _packs.Values)
            {
                if (p.Busy) p.Orphan = true;
                else Free(p);
            }
            _packs.Clear();
            _trusted.Clear();
            foreach (var w in _frozen.Keys) WinogradConv.WeightCache.Forget((float*)w);
            _frozen.Clear();
        }
    }
}
