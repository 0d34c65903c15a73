using System.Buffers.Binary;
using System.Text.Json;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>Parses and validates safetensors files; every fault is reported with the file and the tensor concerned.</summary>
internal static class SafeTensorsReader
{
    // The reference implementation refuses headers over 100 MB; a larger length means a corrupt file, not a model.
    const long MaxHeaderBytes = 100_000_000;

    sealed record Entry(string Name, SafeTensorDType DType, int[] Shape, long Begin, long End);

    /// <summary>The <c>__metadata__</c> entries alone; the header is validated, the tensors are not read.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
        var header = ReadHeader(path, stream);
        return ParseHeader(path, header).Metadata;
    }

    public static SafeTensorsFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var header = ReadHeader(path, stream);
        long bufferLength = stream.Length - 8 - header.Length;

        var (entries, metadata) = ParseHeader(path, header);
        CheckTiling(path, entries, bufferLength);

        // The entries now tile the buffer in offset order, so one sequential pass reads them all.
        var tensors = new List<KeyValuePair<string, SafeTensor>>(entries.Count);
        foreach (var e in entries)
        {
            long bytes = e.End - e.Begin;
            if (bytes > Array.MaxLength)
                throw Fail(path, $"tensor '{e.Name}' holds {bytes} bytes, more than one array can hold.");
            var data = new byte[bytes];
            try { stream.ReadExactly(data); }
            catch (EndOfStreamException) { throw Fail(path, $"the file ended inside tensor '{e.Name}': it is truncated."); }
            tensors.Add(new(e.Name, new SafeTensor(e.DType, e.Shape, data)));
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Reads the length prefix and the JSON header, leaving the stream at the first tensor byte.</summary>
    static byte[] ReadHeader(string path, Stream stream)
    {
        long length = stream.Length;
        if (length < 8)
            throw Fail(path, $"the file is {length} bytes long; a safetensors file starts with an 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(length - 8))
            throw Fail(path, $"the header claims {headerLength} bytes but only {length - 8} follow the length field: the file is truncated or not safetensors.");
        if ((long)headerLength > MaxHeaderBytes)
            throw Fail(path, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes} a safetensors header may have.");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        return header;
    }

    static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header)
    {
        // The JSON reader accepts some invalid UTF-8 inside names and fails only when a name is decoded, far from here
        // and with an exception no caller expects; checking the whole header first gives one clear error.
        try { StrictUtf8.GetCharCount(header); }
        catch (System.Text.DecoderFallbackException e)
        {
            throw Fail(path, $"the header is not valid UTF-8 (bad byte at header offset {e.Index}); a key or value is corrupt.");
        }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Fail(path, $"the header is not valid JSON ({e.Message})."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Fail(path, $"the header must be a JSON object, got {doc.RootElement.ValueKind}.");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Fail(path, $"the header names '{prop.Name}' twice.");
                if (prop.Name == SafeTensorsFile.MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw Fail(path, "__metadata__ must be an object of strings.");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Fail(path, $"__metadata__ entry '{m.Name}' must be a string, got {m.Value.ValueKind}.");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(path, prop));
            }
            return (entries, metadata);
        }
    }

    static Entry ParseEntry(string path, JsonProperty prop)
    {
        string name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object)
            throw Fail(path, $"tensor '{name}': expected an object with dtype, shape and data_offsets, got {v.ValueKind}.");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Fail(path, $"tensor '{name}' has no dtype string.");
        var dtype = dt.GetString() switch
        {
            "F32" => SafeTensorDType.F32,
            "I64" => SafeTensorDType.I64,
            var other => throw Fail(path, $"tensor '{name}' has dtype {other}; only F32 and I64 are supported (convert in PyTorch with .float() first)."),
        };
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw Fail(path, $"tensor '{name}' has no shape array.");
        var shape = new List<int>();
        long count = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw Fail(path, $"tensor '{name}' has shape entry {d.GetRawText()}; dimensions are non-negative integers below 2^31.");
            shape.Add(dim);
            // Checked, so a crafted shape cannot wrap to a small count that matches a tiny data span.
            try { count = checked(count * dim); }
            catch (OverflowException) { throw Fail(path, $"tensor '{name}' has shape {sh.GetRawText()}, whose element count overflows 64 bits."); }
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Fail(path, $"tensor '{name}' has no data_offsets [begin, end].");
        long begin = Offset(path, name, off[0]), end = Offset(path, name, off[1]);
        if (end < begin) throw Fail(path, $"tensor '{name}' ends (byte {end}) before it begins (byte {begin}).");
        long expected;
        try { expected = checked(count * SafeTensor.ElementSize(dtype)); }
        catch (OverflowException) { throw Fail(path, $"tensor '{name}' has shape {sh.GetRawText()}, whose byte size overflows 64 bits."); }
        if (count > Array.MaxLength)
            throw Fail(path, $"tensor '{name}' has shape {sh.GetRawText()}: {count} elements, more than one tensor may hold ({Array.MaxLength}).");
        if (end - begin != expected)
            throw Fail(path, $"tensor '{name}' ({dtype} {Tensor.Format(shape)}) needs {expected} bytes but its data_offsets [{begin}, {end}] span {end - begin}.");
        return new Entry(name, dtype, shape.ToArray(), begin, end);
    }

    static long Offset(string path, string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw Fail(path, $"tensor '{name}' has data offset {e.GetRawText()}; offsets are non-negative integers.");
        return v;
    }

    static void CheckTiling(string path, List<Entry> entries, long bufferLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long at = 0;
        foreach (var e in entries)
        {
            if (e.End > bufferLength)
                throw Fail(path, $"tensor '{e.Name}' ends at data byte {e.End} but the data buffer holds only {bufferLength} bytes: the file is truncated.");
            if (e.Begin < at)
                throw Fail(path, $"tensor '{e.Name}' (data bytes {e.Begin}..{e.End}) overlaps the tensor before it, which ends at {at}.");
            if (e.Begin > at)
                throw Fail(path, $"data bytes {at}..{e.Begin} before tensor '{e.Name}' belong to no tensor.");
            at = e.End;
        }
        if (at != bufferLength)
            throw Fail(path, $"the data buffer holds {bufferLength} bytes but the tensors cover only {at}: {bufferLength - at} trailing bytes belong to no tensor.");
    }

    static SafeTensorsFormatException Fail(string path, string problem) => new(path, problem);
}
