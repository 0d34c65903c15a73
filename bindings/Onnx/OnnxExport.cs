using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Onnx.Proto;
using Google.Protobuf;

namespace CoroNetGAN.Onnx;

/// <summary>
/// Writes a CoroNetGAN generator (ResNet or U-Net, full width or compact) as an ONNX model that ONNX Runtime and
/// other ONNX tools run without CoroNetGAN: IR version 8, opset 17, standard operators only (Conv, ConvTranspose,
/// Pad in reflect mode, InstanceNormalization, BatchNormalization, Relu, LeakyRelu, Tanh, Add, Concat, plus Cast
/// with <see cref="OnnxExportOptions.Fp16"/>).
/// </summary>
/// <remarks>
/// <para>The graph has one input <c>input</c>, float32 [batch, C, height, width], and one output <c>output</c>,
/// float32 [batch, C_out, height, width]: NCHW images in [-1, 1] as the engine uses them. Batch, height and width are
/// symbolic, so any batch size runs; height and width must satisfy the generator's own rule (ResNet: multiples of 4,
/// at least 8; U-Net with n downsamplings: multiples of 2^n), which the model's <c>doc_string</c> and metadata
/// (<c>coronetgan.input</c>) repeat.</para>
/// <para>The graph is the generator's evaluation-mode forward pass whatever its <see cref="Module.Training"/> flag:
/// BatchNorm uses its running statistics and Dropout (identity at inference) is left out. InstanceNorm without
/// affine parameters gets scale 1 and shift 0. Initializers carry the engine's state-dict names
/// (<c>model.1.weight</c>); nodes are named after the module paths.</para>
/// <para>Precision: float32 throughout by default. With <see cref="OnnxExportOptions.Fp16"/> the conv kernels are
/// stored as float16 and the arithmetic stays float32 (see there for why and for the measured differences).</para>
/// <para>Thread-safety: the methods keep no shared state and may run concurrently for different models. The
/// generator's weights are copied from its device, so neither the generator nor its device may be used by
/// another thread during the call (<see cref="Save(string, string, OnnxExportOptions?)"/> loads the model on the
/// process-wide CPU device). Files are written atomically (a temporary file renamed over the target).</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX IR version written (ONNX Runtime 1.31 reads up to 13).</summary>
    public const long IrVersion = 8;

    /// <summary>The ai.onnx operator set version the graph is written against.</summary>
    public const long Opset = 17;

    /// <summary>The name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output.</summary>
    public const string OutputName = "output";

    /// <summary>Exports <paramref name="generator"/> to the ONNX file <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Not an exportable generator: a discriminator or another module, a searching
    /// (hypernetwork) generator, or a layer the exporter does not know; the message names the module.</exception>
    /// <exception cref="IOException">The file cannot be written (a missing folder is a
    /// <see cref="DirectoryNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file or folder is not writable.</exception>
    public static void Save(Module generator, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var model = Build(generator, options);
        AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    /// <summary>Loads the CoroNetGAN model file <paramref name="modelFile"/> on the CPU and exports it to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not a CoroNetGAN model file (the message names it).</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="ArgumentException">The file holds a discriminator, which is not exported.</exception>
    /// <exception cref="IOException">The ONNX file cannot be written, or the model file is not valid safetensors.</exception>
    /// <exception cref="UnauthorizedAccessException">The ONNX file or its folder is not writable.</exception>
    public static void Save(string modelFile, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Path.GetFullPath(modelFile) == Path.GetFullPath(path))
            throw new ArgumentException($"the ONNX output '{path}' is the model file itself; writing it would destroy the model.");
        using var generator = ModelFile.Load(modelFile, Device.Cpu);
        Save(generator, path, options);
    }

    /// <summary>The ONNX model of <paramref name="generator"/> as bytes (for an in-memory session).</summary>
    /// <exception cref="ArgumentException">Not an exportable generator (see <see cref="Save(Module, string, OnnxExportOptions?)"/>).</exception>
    public static byte[] ToBytes(Module generator, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return Build(generator, options).ToByteArray();
    }

    internal static ModelProto Build(Module generator, OnnxExportOptions? options)
    {
        options ??= new OnnxExportOptions();
        var (kind, inputs, outputs, root, inputRule, io) = Describe(generator);
        var graph = new OnnxGraph(kind, options.Fp16);
        var x = graph.Input(InputName, inputs);
        var y = new Walker(graph).Emit(root, x);
        graph.Output(y, OutputName, outputs);
        string precisionText = options.Fp16 ? "float16 conv kernels, float32 arithmetic" : "float32";
        graph.Graph.DocString = $"CoroNetGAN {kind}: {io}";

        var (arch, config) = ModelFile.Describe(generator);
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = options.ProducerName,
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            Domain = "ai.coronetgan",
            ModelVersion = 1,
            DocString = graph.Graph.DocString,
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        void Meta(string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Meta("coronetgan.architecture", arch);
        Meta("coronetgan.config", config);
        Meta("coronetgan.precision", precisionText);
        Meta("coronetgan.input", inputRule);
        return model;
    }

    /// <summary>Refuses what is not an exportable generator; otherwise its name, channels, module tree root and input rule.</summary>
    static (string Kind, int Inputs, int Outputs, Module Root, string InputRule, string Io) Describe(Module generator)
    {
        if (generator is IPrunableGenerator { Hyper: not null })
        {
            string where = generator.NamedModules().FirstOrDefault(m => m.Module is HyperConv).Path ?? "";
            throw new ArgumentException(
                $"{generator.GetType().Name} is still searching: its convs (first '{where}') are HyperConv layers whose weights a hypernetwork generates. " +
                "Export the compact generator extracted from it instead (compact.safetensors from `coronetgan train`, or HyperNetwork.Extract).");
        }
        if (generator.NamedParameters().Any(p => p.Tensor.Device.Kind == DeviceKind.Meta))
            throw new ArgumentException($"{generator.GetType().Name} is on the meta device, which holds shapes but no weights; build or load it on a real device (cpu) to export it.");
        if (GeneratorFamilies.Find(generator) is { } family)
        {
            var spec = family.Spec(generator);
            return (family.Architecture, spec.InputChannels, spec.OutputChannels, family.ExportRoot(generator), family.InputRule(spec), family.Io(spec));
        }
        string families = string.Join(", ", GeneratorFamilies.All.Select(f => f.Architecture));
        if (generator is PatchGanDiscriminator)
            throw new ArgumentException($"ONNX export covers generators ({families}); this is a PatchGAN discriminator, which only training uses.");
        throw new ArgumentException($"ONNX export covers {families} models, not {generator.GetType().Name}.");
    }

    static Module Child(Module parent, string name) =>
        parent.Children.FirstOrDefault(c => c.Name == name).Module
        ?? throw new ArgumentException($"{parent.GetType().Name} at '{parent.Path}' has no child '{name}'; this exporter does not know its layout.");

    /// <summary>Emits the nodes of a module tree, mirroring each module's evaluation-mode forward pass.</summary>
    sealed class Walker(OnnxGraph g)
    {
        public string Emit(Module module, string x)
        {
            string name = module.Path;
            switch (module)
            {
                case Sequential s:
                    foreach (var layer in s.Layers) x = Emit(layer, x);
                    return x;
                case ResnetBlock:
                    // x + conv_block(x)
                    string h = Emit(Child(module, "conv_block"), x);
                    return g.Node("Add", name + ".add", [x, h]);
                case UnetSkipBlock:
                    // A nested level: cat(LeakyReLU(x), rest(LeakyReLU(x))), the skip first (UnetSkipBlock.ForwardCore).
                    if (Child(module, "model") is not Sequential seq || seq.Layers.Count < 2 || seq.Layers[0] is not LeakyReLU)
                        throw new ArgumentException($"U-Net level '{name}' does not start with LeakyReLU; this exporter does not know its layout.");
                    string skip = Emit(seq.Layers[0], x);
                    string y = skip;
                    for (int i = 1; i < seq.Layers.Count; i++) y = Emit(seq.Layers[i], y);
                    return g.Node("Concat", name + ".cat", [skip, y], OnnxGraph.Int("axis", 1));
                case Conv2d c:
                {
                    var w = g.Kernel(c.Weight.Name ?? name + ".weight", c.Weight.ToArray(), c.Weight.Shape);
                    var inputs = new List<string> { x, w };
                    if (c.Bias != null) inputs.Add(g.Vector(c.Bias.Name ?? name + ".bias", c.Bias.ToArray()));
                    return g.Node("Conv", name, inputs,
                        OnnxGraph.Ints("kernel_shape", c.Kernel, c.Kernel), OnnxGraph.Ints("strides", c.Stride, c.Stride),
                        OnnxGraph.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding), OnnxGraph.Ints("dilations", 1, 1),
                        OnnxGraph.Int("group", 1));
                }
                case ConvTranspose2d c:
                {
                    // ONNX's ConvTranspose weight is [in, out/group, k, k], PyTorch's layout.
                    var w = g.Kernel(c.Weight.Name ?? name + ".weight", c.Weight.ToArray(), c.Weight.Shape);
                    var inputs = new List<string> { x, w };
                    if (c.Bias != null) inputs.Add(g.Vector(c.Bias.Name ?? name + ".bias", c.Bias.ToArray()));
                    return g.Node("ConvTranspose", name, inputs,
                        OnnxGraph.Ints("kernel_shape", c.Kernel, c.Kernel), OnnxGraph.Ints("strides", c.Stride, c.Stride),
                        OnnxGraph.Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding), OnnxGraph.Ints("dilations", 1, 1),
                        OnnxGraph.Ints("output_padding", c.OutputPadding, c.OutputPadding), OnnxGraph.Int("group", 1));
                }
                case ReflectionPad2d p:
                    return g.Node("Pad", name, [x, g.ReflectPads(p.Pad)], OnnxGraph.Text("mode", "reflect"));
                case InstanceNorm2d n:
                {
                    var scale = n.Weight?.ToArray() ?? Enumerable.Repeat(1f, n.Channels).ToArray();
                    var shift = n.Bias?.ToArray() ?? new float[n.Channels];
                    return g.Node("InstanceNormalization", name,
                        [x, g.Vector(n.Weight?.Name ?? name + ".scale", scale), g.Vector(n.Bias?.Name ?? name + ".shift", shift)],
                        OnnxGraph.Float("epsilon", n.Eps));
                }
                case BatchNorm2d b:
                    // Inference: (x - running_mean) / sqrt(running_var + eps) * weight + bias. ONNX's momentum weights the
                    // old running value, PyTorch's the new batch statistic: 1 - momentum (unused at inference).
                    return g.Node("BatchNormalization", name,
                        [x, g.Vector(b.Weight.Name!, b.Weight.ToArray()), g.Vector(b.Bias.Name!, b.Bias.ToArray()),
                         g.Vector(b.RunningMean.Name!, b.RunningMean.ToArray()), g.Vector(b.RunningVar.Name!, b.RunningVar.ToArray())],
                        OnnxGraph.Float("epsilon", b.Eps), OnnxGraph.Float("momentum", 1f - b.Momentum));
                case ReLU:
                    return g.Node("Relu", name, [x]);
                case LeakyReLU l:
                    return g.Node("LeakyRelu", name, [x], OnnxGraph.Float("alpha", l.Slope));
                case Tanh:
                    return g.Node("Tanh", name, [x]);
                case Dropout or Identity:
                    return x;
                case HyperConv or LatentSet:
                    throw new ArgumentException(
                        $"module '{name}' is a {module.GetType().Name}, part of a generator that is still searching. Export the compact generator extracted from it instead.");
                default:
                    throw new ArgumentException($"module '{name}' is a {module.GetType().FullName}, which the ONNX exporter does not know.");
            }
        }
    }
}
