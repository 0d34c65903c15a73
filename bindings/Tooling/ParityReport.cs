using System.Globalization;

namespace CoroNetGAN.Tooling;

/// <summary>How a <see cref="ParityRow"/> measures its error.</summary>
public enum ParityMeasure
{
    /// <summary>max |ours − reference| divided by max |reference| of that tensor.</summary>
    Relative,
    /// <summary>max |ours − reference| (zero-by-construction gradients, and tensors whose reference is all zero).</summary>
    Absolute,
    /// <summary>Equality (<c>num_batches_tracked</c>, proximal steps; -0 equals +0); the error is the largest difference.</summary>
    Exact,
    /// <summary>
    /// Every element within its own allowed difference (for example (k+1) 1e-3 lr + 1e-6 |w| after k+1 Adam steps); the
    /// error is the largest ratio of an element's difference to its bound, so 1 is the limit.
    /// </summary>
    Bound,
    /// <summary>max |g| of ours and of the reference, divided by the largest |g| of any parameter of that network
    /// (gradients that are exactly zero in exact arithmetic, so only their size can be compared).</summary>
    OfNetworkMax,
}

/// <summary>One compared tensor of a parity run.</summary>
/// <param name="Name">The io key: <c>output</c>, <c>loss</c>, <c>grad_input</c>, <c>grad.&lt;key&gt;</c> or <c>after.&lt;key&gt;</c>.</param>
/// <param name="Measure">How <paramref name="Error"/> is measured.</param>
/// <param name="Error">The largest error (NaN when ours holds a NaN; +∞ when the tensor could not be compared).</param>
/// <param name="Tolerance">The largest error allowed.</param>
/// <param name="ReferenceMax">max |reference|.</param>
/// <param name="Note">Why the row failed without a number (missing or misshapen tensor), else empty.</param>
public sealed record ParityRow(string Name, ParityMeasure Measure, double Error, double Tolerance, double ReferenceMax, string Note = "")
{
    /// <summary>Whether the error is within tolerance.</summary>
    public bool Passed => Error <= Tolerance;

    /// <summary>One aligned line: name, measure, error, tolerance, ok/FAIL.</summary>
    public string Format(int nameWidth)
    {
        string kind = Measure switch
        {
            ParityMeasure.Relative => "rel", ParityMeasure.Absolute => "abs", ParityMeasure.Bound => "bound",
            ParityMeasure.OfNetworkMax => "net", _ => "exact",
        };
        string err = Error.ToString("0.00e+00", CultureInfo.InvariantCulture);
        string tol = Tolerance.ToString("0e+00", CultureInfo.InvariantCulture);
        string line = $"{Name.PadRight(nameWidth)}  {kind,-5} {err,10}  tol {tol,6}  {(Passed ? "ok" : "FAIL")}";
        return Note.Length == 0 ? line : $"{line}  ({Note})";
    }
}

/// <summary>The result of <see cref="Parity.Run(string, Device)"/>: one row per compared tensor. Immutable, so thread-safe.</summary>
/// <param name="Case">The case name.</param>
/// <param name="Architecture">The module built.</param>
/// <param name="Device">The device it ran on.</param>
/// <param name="Training">Whether the forward ran in training mode.</param>
/// <param name="Rows">The compared tensors: output, loss, grad_input, every grad.&lt;key&gt;, every after.&lt;key&gt; (and for
/// training-step and hyper-convolution cases their steps, optimizer replays and proximal examples).</param>
/// <param name="Notes">What the case holds that was not compared, and why.</param>
public sealed record ParityReport(string Case, string Architecture, string Device, bool Training, IReadOnlyList<ParityRow> Rows,
    IReadOnlyList<string>? Notes = null)
{
    /// <summary>True when every row is within tolerance.</summary>
    public bool Passed => Rows.All(r => r.Passed);

    /// <summary>The row with the largest error relative to its tolerance.</summary>
    public ParityRow Worst => Rows.MaxBy(r => double.IsNaN(r.Error) ? double.PositiveInfinity : r.Error / r.Tolerance)!;

    /// <summary>The PASS/FAIL line.</summary>
    public string Summary
    {
        get
        {
            int failed = Rows.Count(r => !r.Passed);
            var w = Worst;
            string worst = $"closest to its tolerance: {w.Name}, {w.Measure.ToString().ToLowerInvariant()} error {w.Error.ToString("0.00e+00", CultureInfo.InvariantCulture)}";
            return Passed
                ? $"PASS {Case} ({Architecture}, {(Training ? "train" : "eval")} mode) on {Device}: {Rows.Count} tensors within tolerance; {worst}"
                : $"FAIL {Case} ({Architecture}, {(Training ? "train" : "eval")} mode) on {Device}: {failed} of {Rows.Count} tensors out of tolerance; {worst}";
        }
    }

    /// <summary>One line per row, then <see cref="Summary"/>.</summary>
    public IEnumerable<string> Lines()
    {
        int width = Rows.Count == 0 ? 0 : Rows.Max(r => r.Name.Length);
        foreach (var r in Rows) yield return r.Format(width);
        foreach (var n in Notes ?? []) yield return "note: " + n;
        yield return Summary;
    }
}
