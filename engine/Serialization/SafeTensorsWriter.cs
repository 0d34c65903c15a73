using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>Serialises a <see cref="SafeTensorsFile"/>: header JSON padded to 8 bytes, then the tensors back to back.</summary>
internal static class SafeTensorsWriter
{
    public static void Write(string path, SafeTensorsFile file)
    {
        // I64 before F32 keeps every tensor aligned to its element size for readers that map the file.
        var order = file.Names.Where(n => file.Tensors[n].DType == SafeTensorDType.I64)
            .Concat(file.Names.Where(n => file.Tensors[n].DType != SafeTensorDType.I64)).ToList();
        byte[] header = Header(file, order);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var name in order) stream.Write(file.Tensors[name].Bytes);
        });
    }

    static byte[] Header(SafeTensorsFile file, List<string> order)
    {
        using var ms = new MemoryStream();
        // Relaxed escaping writes a JSON config in the metadata as \" rather than \u0022, so it stays readable.
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (file.Metadata.Count > 0)
            {
                w.WriteStartObject(SafeTensorsFile.MetadataKey);
                foreach (var (k, v) in file.Metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long at = 0;
            foreach (var name in order)
            {
                var t = file.Tensors[name];
                w.WriteStartObject(name);
                w.WriteString("dtype", t.DType.ToString());
                w.WriteStartArray("shape");
                foreach (int d in t.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(at);
                at += t.Bytes.Length;
                w.WriteNumberValue(at);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padded = (int)((ms.Length + 7) / 8 * 8);
        while (ms.Length < padded) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }
}
