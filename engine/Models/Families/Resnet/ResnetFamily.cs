using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families.Resnet;

/// <summary>The ResNet generator family (CycleGAN's <see cref="ResnetGenerator"/>: resnet9, resnet6). Stateless.</summary>
public sealed class ResnetFamily : GeneratorFamily<ResnetGenerator, ResnetGeneratorConfig>
{
    /// <inheritdoc/>
    public override string Architecture => "ResnetGenerator";
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
    protected override ResnetGenerator New(ResnetGeneratorConfig config, Device device, int seed, HyperOptions? hyper) => new(config, device, seed, hyper);
    /// <inheritdoc/>
    protected override ResnetGeneratorConfig ToConfig(GeneratorSpec s) => new(s.InputChannels, s.OutputChannels, s.Ngf, s.Depth, s.Norm, s.UseDropout, s.Widths);
    /// <inheritdoc/>
    protected override GeneratorSpec ToSpec(ResnetGeneratorConfig c) => new(c.InputChannels, c.OutputChannels, c.Ngf, c.Blocks, c.Norm, c.UseDropout, c.Widths);

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
    public override GeneratorArch? TrainArch(string name) => name switch { "resnet9" => GeneratorArch.Resnet9, "resnet6" => GeneratorArch.Resnet6, _ => null };
    /// <inheritdoc/>
    public override GeneratorArch? TrainArch(GeneratorSpec spec) => spec.Depth switch { 9 => GeneratorArch.Resnet9, 6 => GeneratorArch.Resnet6, _ => null };

    /// <inheritdoc/>
    public override GeneratorSpec ForTraining(TrainOptions o, IReadOnlyList<int>? widths) =>
        new(3, 3, o.Ngf, o.EffectiveNetG == GeneratorArch.Resnet6 ? 6 : 9, o.EffectiveNorm, o.EffectiveDropout, widths);
}
