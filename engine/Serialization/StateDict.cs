using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>One entry of a module's state dict: its PyTorch key, element type and shape.</summary>
/// <param name="Key">The dotted key (<c>model.10.conv_block.5.weight</c>).</param>
/// <param name="DType">F32, or I64 for <c>num_batches_tracked</c>.</param>
/// <param name="Shape">The dimensions; empty for the <c>num_batches_tracked</c> scalar.</param>
/// <param name="IsParameter">True for a trained parameter, false for a buffer.</param>
public sealed record StateDictKey(string Key, SafeTensorDType DType, IReadOnlyList<int> Shape, bool IsParameter)
{
    /// <summary>Type and shape, for messages.</summary>
    public string Describe() => $"{DType} {Tensor.Format(Shape)}";
}

/// <summary>
/// A module's parameters and buffers under PyTorch's state_dict keys, in state_dict order (each module's
/// parameters, then its buffers, then its children), with BatchNorm2d's step count as the I64 scalar
/// <c>num_batches_tracked</c>. Loading is strict: every key must be present, none may be extra, and every
/// shape must match; all faults are reported together. Not thread-safe with respect to the module.
/// </summary>
public static class StateDict
{
    /// <summary>The key suffix of BatchNorm2d's step counter.</summary>
    public const string NumBatchesTracked = "num_batches_tracked";

    sealed record Slot(StateDictKey Key, Tensor? Tensor, BatchNorm2d? Counter);

    static List<Slot> Slots(Module module)
    {
        var slots = new List<Slot>();
        Walk(module, slots);
        return slots;
    }

    static void Walk(Module m, List<Slot> slots)
    {
        string prefix = m.Path.Length == 0 ? "" : m.Path + ".";
        foreach (var (n, t) in m.LocalParameters) slots.Add(new(new(prefix + n, SafeTensorDType.F32, t.Shape, true), t, null));
        foreach (var (n, t) in m.LocalBuffers) slots.Add(new(new(prefix + n, SafeTensorDType.F32, t.Shape, false), t, null));
        if (m is BatchNorm2d bn) slots.Add(new(new(prefix + NumBatchesTracked, SafeTensorDType.I64, [], false), null, bn));
        foreach (var (_, c) in m.Children) Walk(c, slots);
    }

    /// <summary>The keys <paramref name="module"/> saves and expects, in PyTorch's state_dict order.</summary>
    public static IReadOnlyList<StateDictKey> Keys(Module module) => Slots(module).Select(s => s.Key).ToList();

    /// <summary>Copies every parameter and buffer to the host, in state_dict order.</summary>
    public static List<KeyValuePair<string, SafeTensor>> Export(Module module) =>
        Slots(module).Select(s => new KeyValuePair<string, SafeTensor>(s.Key.Key, s.Counter != null
            ? SafeTensor.FromInt64s([s.Counter.NumBatchesTracked])
            : SafeTensor.FromFloats(s.Tensor!.ToArray(), s.Tensor.Shape))).ToList();

    /// <summary>
    /// Overwrites every parameter and buffer of <paramref name="module"/> from <paramref name="tensors"/>. The
    /// module is changed only when every key matches.
    /// </summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="tensors">Tensors by key.</param>
    /// <param name="source">Where the tensors came from (a file name), for the error message.</param>
    /// <exception cref="StateDictMismatchException">Keys are missing or unexpected, or shapes or types differ; each one is named.</exception>
    public static void Load(Module module, IReadOnlyDictionary<string, SafeTensor> tensors, string? source = null)
    {
        var slots = Slots(module);
        var expected = slots.Select(s => s.Key.Key).ToHashSet(StringComparer.Ordinal);
        var missing = new List<StateDictKey>();
        var wrong = new List<(StateDictKey Expected, SafeTensor Actual)>();
        foreach (var s in slots)
        {
            if (!tensors.TryGetValue(s.Key.Key, out var t)) missing.Add(s.Key);
            else if (t.DType != s.Key.DType || !t.Dims.AsSpan().SequenceEqual(s.Key.Shape.ToArray())) wrong.Add((s.Key, t));
        }
        var unexpected = tensors.Where(p => !expected.Contains(p.Key)).Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (missing.Count + wrong.Count + unexpected.Count > 0)
            throw new StateDictMismatchException(module.GetType().Name, source, slots.Count, missing, unexpected, wrong);

        foreach (var s in slots)
        {
            var t = tensors[s.Key.Key];
            if (s.Counter != null) s.Counter.NumBatchesTracked = t.ToInt64s()[0];
            else s.Tensor!.CopyFrom(t.ToFloats());
        }
    }

    /// <summary>
    /// Refuses weights that are not finite: a model with a NaN or infinite weight translates every image to black or
    /// noise, so loading it is an error that names the first bad tensor, where the first bad value sits and how many
    /// there are.
    /// </summary>
    /// <exception cref="InvalidDataException">A float tensor holds NaN or an infinity.</exception>
    public static void RequireFinite(IEnumerable<KeyValuePair<string, SafeTensor>> tensors, string? source = null)
    {
        foreach (var (key, t) in tensors)
        {
            if (t.DType != SafeTensorDType.F32) continue;
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.Bytes);
            int first = -1, bad = 0;
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i])) { if (first < 0) first = i; bad++; }
            if (first >= 0)
                throw new InvalidDataException($"{source ?? "the weights"}: tensor '{key}' holds {values[first]} at element {first} " +
                    $"({bad} of its {values.Length} values are not finite). The model diverged in training or the file is corrupt; " +
                    "use an earlier checkpoint or retrain.");
        }
    }

    /// <summary>Reads a safetensors file into <paramref name="module"/> (strict, as <see cref="Load(Module, IReadOnlyDictionary{string, SafeTensor}, string?)"/>).</summary>
    public static void Load(Module module, string path) => Load(module, SafeTensorsFile.Read(path).Tensors, path);

    /// <summary>Writes the state dict to a safetensors file (atomically) with the given metadata.</summary>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsFile.Write(path, new SafeTensorsFile(Export(module), metadata));
}
