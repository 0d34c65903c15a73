using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families.Resnet;

/// <summary>The ResNet generator family (CycleGAN's <see cref="ResnetGenerator"/>: resnet9, resnet6). Stateless.</summary>
public sealed class ResnetFamily : GeneratorFamily
{
    /// <inheritdoc/>
    public override string Architecture => "ResnetGenerator";
    /// <inheritdoc/>
    public override Type ModelType => typeof(ResnetGenerator);
    /// <inheritdoc/>
    public override IReadOnlyList<string> Names { get; } = ["resnet9", "resnet6"];
    /// <inheritdoc/>
    public override string GenericName => "resnet";
    /// <inheritdoc/>
    public override string DepthField => "blocks";
    /// <inheritdoc/>
    public override string DepthOption => "--blocks";
    /// <inheritdoc/>
    public override int? DepthOf(string name) => name switch { "resnet9" => 9, "resnet6" => 6, _ => null };
    /// <inheritdoc/>
    public override NormKind DefaultNorm => NormKind.Instance;
    /// <inheritdoc/>
    public override bool DefaultDropout => false;
    /// <inheritdoc/>
    public override bool DropoutFromFile => true;
    /// <inheritdoc/>
    public override IReadOnlyList<GeneratorArch> TrainArchs { get; } = [GeneratorArch.Resnet9, GeneratorArch.Resnet6];

    /// <inheritdoc/>
    public override Module Build(GeneratorSpec spec, Device device, int seed = 0, HyperOptions? hyper = null) =>
        new ResnetGenerator(new ResnetGeneratorConfig(spec.InputChannels, spec.OutputChannels, spec.Ngf, spec.Depth, spec.Norm, spec.UseDropout, spec.Widths),
            device, seed, hyper);

    /// <inheritdoc/>
    public override GeneratorSpec Spec(Module model)
    {
        var c = As<ResnetGenerator>(model).Config;
        return new(c.InputChannels, c.OutputChannels, c.Ngf, c.Blocks, c.Norm, c.UseDropout, c.Widths);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<string> WidthLayout(int depth) => ResnetGenerator.WidthLayout(depth).Split(", ");
    /// <inheritdoc/>
    public override int[] FullWidths(int ngf, int depth) => ResnetGenerator.FullWidths(ngf, depth);
    /// <inheritdoc/>
    public override IReadOnlyList<int> Widths(Module model) => As<ResnetGenerator>(model).Widths;

    /// <inheritdoc/>
    public override string ConfigJson(Module model, JsonSerializerOptions json)
    {
        var r = As<ResnetGenerator>(model);
        return JsonSerializer.Serialize(r.Config with { Widths = Pruned(r.Widths, r.Config.Ngf, r.Config.Blocks) }, json);
    }

    /// <inheritdoc/>
    public override Module FromConfigJson(string json, JsonSerializerOptions options, Device device) =>
        new ResnetGenerator(JsonSerializer.Deserialize<ResnetGeneratorConfig>(json, options) ?? throw new InvalidDataException("the config is null."), device);

    /// <inheritdoc/>
    public override int SizeMultiple(GeneratorSpec spec) => 4;
    /// <inheritdoc/>
    public override int DefaultImageSize(GeneratorSpec spec) => 256;
    /// <inheritdoc/>
    public override string InputRule(GeneratorSpec spec) => "height and width multiples of 4 and at least 8";

    /// <inheritdoc/>
    public override Module ExportRoot(Module model) => Child(As<ResnetGenerator>(model), "model");

    /// <inheritdoc/>
    public override PyTorchLayout ReadLayout(IReadOnlyDictionary<string, SafeTensor> tensors) => PyTorchLayout.Resnet(tensors);

    /// <inheritdoc/>
    public override GeneratorSpec ForTraining(TrainOptions o, IReadOnlyList<int>? widths) =>
        new(3, 3, o.Ngf, o.EffectiveNetG == GeneratorArch.Resnet6 ? 6 : 9, o.EffectiveNorm, o.EffectiveDropout, widths);

    static Module Child(Module parent, string name) =>
        parent.Children.FirstOrDefault(c => c.Name == name).Module
        ?? throw new ArgumentException($"{parent.GetType().Name} has no child '{name}'.");
}
