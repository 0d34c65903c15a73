using System.Globalization;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Models.Families.Dcgan;

/// <summary>
/// The DCGAN generator family (<see cref="DcganGenerator"/>: dcgan64, dcgan32): a generator from noise, so its input is
/// [N, nz, 1, 1] whatever the image size, and it does not translate images. Its depth is the number of stages
/// (log2(size) - 2). Stateless.
/// </summary>
public sealed class DcganFamily : GeneratorFamily<DcganGenerator, DcganGeneratorConfig>
{
    /// <summary>The noise channels of the reference (nz).</summary>
    public const int DefaultNz = 100;

    /// <inheritdoc/>
    public override string Architecture => "DcganGenerator";
    /// <inheritdoc/>
    public override IReadOnlyList<string> Names { get; } = ["dcgan64", "dcgan32"];
    /// <inheritdoc/>
    public override string GenericName => "dcgan";
    /// <inheritdoc/>
    public override string DepthField => "stages";
    /// <inheritdoc/>
    /// <remarks>None: the architecture name (dcgan64, dcgan32) or the file's keys give the stages.</remarks>
    public override string? DepthOption => null;
    /// <inheritdoc/>
    public override int? DepthOf(string name) => name switch { "dcgan64" => 4, "dcgan32" => 3, _ => null };
    /// <inheritdoc/>
    public override int NativeSize(string name) => DepthOf(name) is int d ? 4 << d : 64;
    /// <inheritdoc/>
    public override NormKind DefaultNorm => NormKind.Batch;
    /// <inheritdoc/>
    public override bool DefaultDropout => false;
    /// <inheritdoc/>
    public override bool TranslatesImages => false;
    /// <inheritdoc/>
    public override int DefaultInputChannels => DefaultNz;
    /// <inheritdoc/>
    public override IReadOnlyList<GeneratorArch> TrainArchs { get; } = [GeneratorArch.Dcgan];

    /// <inheritdoc/>
    protected override DcganGenerator New(DcganGeneratorConfig config, Device device, int seed, HyperOptions? hyper) => new(config, device, seed, hyper);

    /// <inheritdoc/>
    protected override DcganGeneratorConfig ToConfig(GeneratorSpec spec)
    {
        if (spec.Norm != NormKind.Batch) throw new ArgumentException($"DCGAN generator: the norm is BatchNorm, got {spec.Norm}.");
        if (spec.UseDropout) throw new ArgumentException("DCGAN generator: it has no dropout.");
        if (spec.Depth < 1 || spec.Depth > 8) throw new ArgumentException($"DCGAN generator: stages must be in [1, 8], got {spec.Depth}.");
        return new(spec.InputChannels, spec.OutputChannels, spec.Ngf, 4 << spec.Depth, spec.Widths);
    }

    /// <inheritdoc/>
    protected override GeneratorSpec ToSpec(DcganGeneratorConfig c) =>
        new(c.Nz, c.OutputChannels, c.Ngf, DcganGenerator.Stages(c.ImageSize), NormKind.Batch, false, c.Widths);

    /// <inheritdoc/>
    public override int SizeMultiple(GeneratorSpec spec) => 4 << spec.Depth;
    /// <inheritdoc/>
    public override int DefaultImageSize(GeneratorSpec spec) => 4 << spec.Depth;
    /// <inheritdoc/>
    public override int[] InputShape(GeneratorSpec spec, int imageSize) => [1, spec.InputChannels, 1, 1];
    /// <inheritdoc/>
    public override string InputRule(GeneratorSpec spec) => $"noise [N, {spec.InputChannels}, 1, 1] from N(0, 1)";
    /// <inheritdoc/>
    public override string Io(GeneratorSpec spec) =>
        $"input NCHW float32 noise [N, {spec.InputChannels}, 1, 1] drawn from N(0, 1); output NCHW float32 in [-1, 1], {4 << spec.Depth}x{4 << spec.Depth}.";

    /// <inheritdoc/>
    public override Module ExportRoot(Module model) => Child(As<DcganGenerator>(model), "main");

    /// <inheritdoc/>
    /// <remarks>PyTorch's examples/dcgan netG: <c>main.{3i}.weight</c> transposed convs [in, out, 4, 4], BatchNorm at <c>main.{3i+1}</c>.</remarks>
    public override PyTorchLayout ReadLayout(IReadOnlyDictionary<string, SafeTensor> t)
    {
        var ev = new Dictionary<string, string>();
        var convs = t.Keys.Select(k => Regex.Match(k, @"^main\.(\d+)\.weight$")).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Where(i => t[$"main.{i}.weight"].Dims.Length == 4).OrderBy(i => i).ToList();
        if (convs.Count < 2) return new(null, null, null, null, null, null, null, ev);
        int stages = convs.Count - 1;
        ev["stages"] = $"{convs.Count} transposed-conv weights main.{{{string.Join(",", convs)}}}.weight";
        var first = t[$"main.{convs[0]}.weight"];
        ev["input channels"] = $"main.{convs[0]}.weight {first}";
        var last = t[$"main.{convs[^1]}.weight"];
        ev["output channels"] = $"main.{convs[^1]}.weight {last}";
        var widths = convs.Take(stages).Select(i => t[$"main.{i}.weight"].Dims[1]).ToArray();
        ev["ngf"] = $"main.{convs[^2]}.weight {t[$"main.{convs[^2]}.weight"]}";
        NormKind? norm = t.ContainsKey($"main.{convs[0] + 1}.running_mean") ? NormKind.Batch : null;
        if (norm != null) ev["norm"] = $"main.{convs[0] + 1}.running_mean present (BatchNorm)";
        return new(first.Dims[0], last.Dims[1], widths[^1], stages, norm, null, widths, ev);
    }

    /// <inheritdoc/>
    public override GeneratorSpec ForTraining(TrainOptions o, IReadOnlyList<int>? widths) =>
        new(DefaultNz, 3, o.Ngf, DcganGenerator.Stages(o.Size), NormKind.Batch, false, widths);
}
