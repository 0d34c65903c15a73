using System.Buffers.Binary;
using CoroNetGAN.Onnx.Proto;
using Google.Protobuf;
using DataType = CoroNetGAN.Onnx.Proto.TensorProto.Types.DataType;
using AttrType = CoroNetGAN.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace CoroNetGAN.Onnx;

/// <summary>
/// Builds one ONNX graph node by node: unique value names and initializers written as little-endian raw_data. With
/// <c>halfKernels</c>, conv kernels are stored as float16, each followed by a Cast to float32; everything else stays
/// float32. Not thread-safe (one export uses one instance).
/// </summary>
internal sealed class OnnxGraph(string name, bool halfKernels)
{
    readonly GraphProto _graph = new() { Name = name };
    readonly HashSet<string> _names = new(StringComparer.Ordinal);
    readonly Dictionary<int, string> _reflectPads = new();

    /// <summary>The graph's one input: float32 [batch, channels, height, width] with symbolic batch, height and width.</summary>
    public string Input(string name, int channels)
    {
        Claim(name);
        _graph.Input.Add(ImageValue(name, channels));
        return name;
    }

    /// <summary>Makes <paramref name="value"/> the graph's one output, float32 [batch, channels, height, width], by
    /// renaming its producer's output (so the graph needs no extra node).</summary>
    public void Output(string value, string name, int channels)
    {
        var producer = _graph.Node.LastOrDefault(n => n.Output.Contains(value))
            ?? throw new InvalidOperationException($"no node produces '{value}'");
        if (_graph.Node.Any(n => n.Input.Contains(value)))
            throw new InvalidOperationException($"'{value}' is read inside the graph; it cannot be renamed to the output");
        Claim(name);
        producer.Output[producer.Output.IndexOf(value)] = name;
        _graph.Output.Add(ImageValue(name, channels));
    }

    /// <summary>The finished graph (the builder should not be used afterwards).</summary>
    public GraphProto Graph => _graph;

    /// <summary>
    /// Adds a node whose one output is named after <paramref name="name"/> (made unique) and returns that name.
    /// </summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = Unique(name);
        _graph.Node.Add(MakeNode(opType, output, inputs, [output], attributes));
        return output;
    }

    /// <summary>
    /// A conv kernel as an initializer, float32; or, with half kernels, float16 followed by a Cast to float32, whose
    /// output is returned (ONNX Runtime folds the Cast once, when a session is created).
    /// </summary>
    public string Kernel(string name, float[] values, int[] shape)
    {
        if (!halfKernels) return Initializer(name, values, shape, DataType.Float);
        string stored = Initializer(name, values, shape, DataType.Float16);
        return Node("Cast", name + ".fp32", [stored], Int("to", (long)DataType.Float));
    }

    /// <summary>A per-channel vector (bias, norm scale, shift or statistic), always float32: these are a tiny part of
    /// the file, and BatchNorm's statistics lose precision in float16 when a channel's mean is large against its spread.</summary>
    public string Vector(string name, float[] values) => Initializer(name, values, [values.Length], DataType.Float);

    /// <summary>The int64 pads input of a reflect Pad of <paramref name="pad"/> on each side of H and W (shared).</summary>
    public string ReflectPads(int pad)
    {
        if (_reflectPads.TryGetValue(pad, out var name)) return name;
        // ONNX order: begins of N, C, H, W, then ends of N, C, H, W.
        long[] pads = [0, 0, pad, pad, 0, 0, pad, pad];
        name = Unique($"pads.reflect{pad}");
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.Add(pads.Length);
        var raw = new byte[pads.Length * 8];
        for (int i = 0; i < pads.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), pads[i]);
        t.RawData = UnsafeByteOperations.UnsafeWrap(raw); // raw is not touched again: no second copy
        _graph.Initializer.Add(t);
        _reflectPads[pad] = name;
        return name;
    }

    string Initializer(string name, float[] values, int[] shape, DataType type)
    {
        name = Unique(name);
        var t = new TensorProto { Name = name, DataType = (int)type };
        foreach (int d in shape) t.Dims.Add(d);
        byte[] raw;
        if (type == DataType.Float16)
        {
            raw = new byte[values.Length * 2];
            for (int i = 0; i < values.Length; i++)
            {
                var h = (Half)values[i];
                if (Half.IsInfinity(h) && !float.IsInfinity(values[i]))
                    throw new ArgumentException($"'{name}' holds {values[i]}, beyond float16's range (±65504); export it in float32.");
                BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(i * 2), h);
            }
        }
        else
        {
            raw = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }
        t.RawData = UnsafeByteOperations.UnsafeWrap(raw); // raw is not touched again: no second copy
        _graph.Initializer.Add(t);
        return name;
    }

    static NodeProto MakeNode(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = opType, Name = name };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        n.Attribute.Add(attributes);
        return n;
    }

    static ValueInfoProto ImageValue(string name, int channels)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "height" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "width" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
        };
    }

    void Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"value name '{name}' is already taken");
    }

    string Unique(string name)
    {
        string candidate = name;
        for (int i = 1; !_names.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Ints };
        a.Ints.Add(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttrType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttrType.Float, F = value };

    public static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttrType.String, S = ByteString.CopyFromUtf8(value) };
}
