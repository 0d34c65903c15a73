using CoroNetGAN.Engine.Devices;

namespace CoroNetGAN.Engine.Tensors;

/// <summary>
/// Reverse-mode autograd. While a tape is active (between its creation and <see cref="Dispose"/>, on this thread)
/// every op records how to send gradients back to its inputs, and every tensor the ops create belongs to the tape.
/// <see cref="Backward(Tensor)"/> runs the records in reverse; gradients of leaves (<see cref="Tensor.RequiresGrad"/> set,
/// not produced by an op: parameters and inputs) accumulate into <see cref="Tensor.Grad"/>, so a tensor that
/// feeds several ops (a residual connection, a U-Net skip) receives the sum. Disposing the tape returns every
/// intermediate buffer to the device pool.
/// </summary>
/// <remarks>
/// <see cref="NoGrad"/> opens a scope that owns the tensors created in it but records nothing: inference keeps
/// no intermediates beyond the scope. Tapes nest; the innermost one is current. Not thread-safe: one tape per thread.
/// </remarks>
public sealed class Tape : IDisposable
{
    [ThreadStatic] static Tape? t_current;

    readonly Tape? _parent;
    readonly List<Entry> _records = new();
    readonly HashSet<Tensor> _owned = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<Tensor> _produced = new(ReferenceEqualityComparer.Instance);
    bool _disposed;

    /// <summary>Opens a recording tape and makes it current on this thread.</summary>
    public Tape() : this(recording: true, deferFiniteChecks: false) { }

    /// <summary>
    /// Opens a recording tape that, with <paramref name="deferFiniteChecks"/>, does not read each loss to the host to
    /// check that it is finite (a sync per loss on a GPU): the loss ops and <see cref="Backward(Tensor)"/> queue their
    /// checks, and <see cref="ReadScalars"/> runs them all with one read, throwing as the first failing check would have.
    /// </summary>
    /// <remarks>Until <see cref="ReadScalars"/> a NaN loss goes on into the backward pass and the optimizer step; call it
    /// at the end of every step, before the tape is disposed, or the queued checks are dropped unread.</remarks>
    public Tape(bool deferFiniteChecks) : this(recording: true, deferFiniteChecks) { }

    /// <summary>Whether loss checks wait for <see cref="ReadScalars"/> (see <see cref="Tape(bool)"/>).</summary>
    public bool DefersFiniteChecks { get; }

    readonly List<(Tensor Value, Func<float, string> Message)> _checks = new();

    /// <summary>
    /// Checks that the one-element <paramref name="value"/> is finite, else throws <see cref="ArithmeticException"/>
    /// with <paramref name="message"/> of the value: now, or at <see cref="ReadScalars"/> when the current tape defers.
    /// </summary>
    internal static void CheckFinite(Tensor value, Func<float, string> message)
    {
        if (t_current is { DefersFiniteChecks: true } tape) tape.Defer(value, message);
        else Throw(value.Item(), message);
    }

    void Defer(Tensor value, Func<float, string> message) => _checks.Add((value, message));

    static void Throw(float value, Func<float, string> message)
    {
        if (!float.IsFinite(value)) throw new ArithmeticException(message(value));
    }

    /// <summary>
    /// The values of one-element tensors (null reads as 0), read to the host together with every queued finite check
    /// in one device-to-host copy; throws the first failing check, in the order the ops ran.
    /// </summary>
    /// <exception cref="ArithmeticException">A checked loss is NaN or infinite; the message names the op and shapes.</exception>
    public float[] ReadScalars(params Tensor?[] values)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(Tape));
        var present = values.Where(v => v != null).Select(v => v!).ToList();
        if (present.FirstOrDefault(v => v.Length != 1) is { } wide) throw new ArgumentException($"ReadScalars: {wide.Describe()} has {wide.Length} elements, not one.");
        int checks = _checks.Count;
        var read = HostRead.Flat(_checks.Select(c => c.Value).Concat(present).ToList());
        var pending = _checks.ToArray();
        _checks.Clear();
        for (int i = 0; i < checks; i++) Throw(read[i], pending[i].Message);
        var result = new float[values.Length];
        for (int i = 0, k = checks; i < values.Length; i++) result[i] = values[i] != null ? read[k++] : 0f;
        return result;
    }

    Tape(bool recording, bool deferFiniteChecks)
    {
        IsRecording = recording;
        DefersFiniteChecks = deferFiniteChecks;
        _parent = t_current;
        t_current = this;
    }

    /// <summary>Opens a scope in which ops record nothing (inference); it owns and frees what they create.</summary>
    public static Tape NoGrad() => new(recording: false, deferFiniteChecks: false);

    /// <summary>The innermost open tape of this thread, or null.</summary>
    public static Tape? Current => t_current;

    /// <summary>Whether ops record onto this tape.</summary>
    public bool IsRecording { get; }

    /// <summary>Number of recorded ops.</summary>
    public int Count => _records.Count;

    internal delegate void BackwardFn(Tensor gradOutput, Tensor?[] gradInputs);

    /// <summary>One recorded op: its output, its inputs and the rule that maps the output's gradient to theirs.</summary>
    sealed record Entry(string Op, Tensor Output, Tensor[] Inputs, BackwardFn Backward);

    internal void Own(Tensor t) => _owned.Add(t);

    /// <summary>Whether an op on these inputs must be recorded (a recording tape is open and some input needs a gradient).</summary>
    internal static bool ShouldRecord(params Tensor?[] inputs)
    {
        if (t_current is not { IsRecording: true }) return false;
        foreach (var t in inputs) if (t is { RequiresGrad: true }) return true;
        return false;
    }

    /// <summary>
    /// Records an op. The backward rule gets the output gradient and fills gradInputs[i] with a new tensor for each
    /// input i that requires a gradient (it may leave others null); the tape takes ownership of those tensors.
    /// </summary>
    internal static void Record(string op, Tensor output, Tensor[] inputs, BackwardFn backward)
    {
        var tape = t_current!;
        output.RequiresGrad = true;
        output.ProducedBy = op;
        tape._records.Add(new Entry(op, output, inputs, backward));
        tape._produced.Add(output);
    }

    /// <summary>
    /// Back-propagates from a one-element <paramref name="loss"/> (seeded with 1). Throws if the loss is not
    /// finite, naming the op that produced it.
    /// </summary>
    public void Backward(Tensor loss)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(Tape));
        if (loss.Length != 1) throw new ArgumentException($"Backward: the loss must have one element, got {loss.Describe()}.");
        Func<float, string> message = value => $"Backward: loss {loss.Describe()} from '{loss.ProducedBy ?? "input"}' is {value}.";
        if (DefersFiniteChecks) Defer(loss, message);
        else Throw(loss.Item(), message);
        Run(loss, null);
    }

    /// <summary>
    /// Back-propagates from any recorded <paramref name="output"/> with the given gradient of the same shape
    /// (torch's <c>y.backward(grad)</c>). The gradient tensor is only read.
    /// </summary>
    public void Backward(Tensor output, Tensor gradOutput)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(Tape));
        if (!output.Dims.AsSpan().SequenceEqual(gradOutput.Dims) || output.Device != gradOutput.Device)
            throw new ArgumentException($"Backward: gradient {gradOutput.Describe()} does not match output {output.Describe()}.");
        Run(output, gradOutput);
    }

    void Run(Tensor output, Tensor? gradOutput)
    {
        // Gradient buffers made during the pass belong to this tape even if a nested scope is open.
        var outer = t_current;
        t_current = this;
        try { Propagate(output, gradOutput); }
        finally { t_current = outer; }
    }

    void Propagate(Tensor output, Tensor? gradOutput)
    {
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var seed = gradOutput == null ? Tensor.Full(output.Device, 1f, output.Dims) : gradOutput.Clone();
        if (!_produced.Contains(output))
        {
            // Backward on a leaf: its gradient is the seed itself.
            if (output.RequiresGrad) AccumulateLeaf(output, seed); else seed.Dispose();
            return;
        }
        grads[output] = seed;
        for (int r = _records.Count - 1; r >= 0; r--)
        {
            var rec = _records[r];
            if (!grads.Remove(rec.Output, out var gOut)) continue;
            var gIn = new Tensor?[rec.Inputs.Length];
            rec.Backward(gOut, gIn);
            gOut.Dispose();
            for (int i = 0; i < rec.Inputs.Length; i++)
            {
                var g = gIn[i];
                var input = rec.Inputs[i];
                if (g == null) continue;
                if (!input.RequiresGrad) { g.Dispose(); continue; }
                if (_produced.Contains(input))
                    Accumulate(grads, input, g);
                else
                    AccumulateLeaf(input, g);
            }
        }
        foreach (var g in grads.Values) g.Dispose();
    }

    static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor input, Tensor g)
    {
        if (grads.TryGetValue(input, out var existing))
        {
            input.Device.Backend.AddInPlace(existing.Storage, g.Storage, g.Length);
            g.Dispose();
        }
        else grads[input] = g;
    }

    void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        if (leaf.Grad == null)
        {
            // The gradient now lives as long as the leaf, not the tape.
            _owned.Remove(g);
            leaf.Grad = g;
        }
        else
        {
            leaf.Device.Backend.AddInPlace(leaf.Grad.Storage, g.Storage, g.Length);
            g.Dispose();
        }
    }

    /// <summary>Takes <paramref name="t"/> out of this tape's ownership so it survives <see cref="Dispose"/>; returns it.</summary>
    public Tensor Keep(Tensor t)
    {
        _owned.Remove(t);
        _parent?.Own(t);
        return t;
    }

    /// <summary>Removes <paramref name="t"/> from every open tape of this thread (for long-lived state such as optimizer moments).</summary>
    internal static void Release(Tensor t)
    {
        for (var tape = t_current; tape != null; tape = tape._parent) tape._owned.Remove(t);
    }

    /// <summary>Closes the tape: it stops being current and frees every tensor it owns.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (ReferenceEquals(t_current, this)) t_current = _parent;
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        _records.Clear();
        _produced.Clear();
        _checks.Clear();
    }
}
