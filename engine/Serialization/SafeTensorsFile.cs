namespace CoroNetGAN.Engine.Serialization;

/// <summary>
/// The contents of a safetensors file (https://github.com/huggingface/safetensors): named tensors and the
/// string-to-string <c>__metadata__</c> map. Only F32 and I64 tensors are supported. Immutable; safe to share
/// between threads. <see cref="Read"/> and <see cref="Write"/> may run on any thread.
/// </summary>
public sealed class SafeTensorsFile
{
    readonly Dictionary<string, SafeTensor> _byName;

    /// <summary>Holds the given tensors (in this order) and metadata.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>.</exception>
    public SafeTensorsFile(IEnumerable<KeyValuePair<string, SafeTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        _byName = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var (name, t) in list)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"safetensors: '{name}' cannot name a tensor.");
            if (!_byName.TryAdd(name, t)) throw new ArgumentException($"safetensors: tensor '{name}' is given twice.");
        }
        Names = list.Select(p => p.Key).ToArray();
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
    }

    /// <summary>The header key that holds the metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Tensor names: in data-buffer order for a file that was read, else in the order given.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors => _byName;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message names it.</exception>
    public SafeTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"safetensors: no tensor '{name}'.");

    /// <summary>
    /// Reads and validates a whole file: header length, JSON, dtypes, shapes, and offsets that tile the data
    /// buffer exactly. Nothing in the file is executed or deserialised beyond that JSON header.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">The file is truncated or malformed; the message names the file and the fault.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static SafeTensorsFile Read(string path) => SafeTensorsReader.Read(path);

    /// <summary>
    /// Writes <paramref name="file"/> to <paramref name="path"/> atomically: into a temporary file in the same folder,
    /// then renamed over the target, so a crash never leaves a partial file. Tensors are stored back to back in
    /// the file's order, except that every I64 tensor comes before the F32 ones (a stable partition), so each
    /// tensor starts at a multiple of its element size. The header is padded with spaces to a multiple of 8 bytes.
    /// </summary>
    public static void Write(string path, SafeTensorsFile file) => SafeTensorsWriter.Write(path, file);
}

/// <summary>A safetensors file that is truncated or malformed (an <see cref="IOException"/>, like other unreadable files). The message names the file and what is wrong.</summary>
public sealed class SafeTensorsFormatException(string path, string problem) : IOException($"{path}: {problem}")
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; } = problem;
}
