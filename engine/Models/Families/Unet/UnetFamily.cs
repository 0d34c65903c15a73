using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families.Unet;

/// <summary>The U-Net generator family (pix2pix's <see cref="UnetGenerator"/>: unet256, unet128, unet64). Stateless.</summary>
public sealed class UnetFamily : GeneratorFamily<UnetGenerator, UnetGeneratorConfig>
{
    /// <inheritdoc/>
    public override string Architecture => "UnetGenerator";
    /// <inheritdoc/>
    public override IReadOnlyList<string> Names { get; } = ["unet256", "unet128", "unet64"];
    /// <inheritdoc/>
    public override string GenericName => "unet";
    /// <inheritdoc/>
    public override string DepthField => "downsamplings";
    /// <inheritdoc/>
    public override string DepthOption => "--num-downs";
    /// <inheritdoc/>
    public override int? DepthOf(string name) => name switch { "unet256" => 8, "unet128" => 7, "unet64" => 6, _ => null };
    /// <inheritdoc/>
    public override int NativeSize(string name) => DepthOf(name) is int d ? 1 << d : 256;
    /// <inheritdoc/>
    public override string? SizeError(string name, int size)
    {
        int native = NativeSize(name);
        if (size % native == 0) return null;
        string hint = size is 64 or 128 or 256 ? $"; for {size}-pixel input use unet{size}" : "";
        return $"{name} halves its input {(int)Math.Log2(native)} times, so the size must be a multiple of {native}, got {size}{hint}.";
    }

    /// <inheritdoc/>
    public override NormKind DefaultNorm => NormKind.Batch;
    /// <inheritdoc/>
    public override bool DefaultDropout => true;
    /// <inheritdoc/>
    public override IReadOnlyList<GeneratorArch> TrainArchs { get; } = [GeneratorArch.Unet];

    /// <inheritdoc/>
    protected override UnetGenerator New(UnetGeneratorConfig config, Device device, int seed, HyperOptions? hyper) => new(config, device, seed, hyper);
    /// <inheritdoc/>
    protected override UnetGeneratorConfig ToConfig(GeneratorSpec s) => new(s.InputChannels, s.OutputChannels, s.Depth, s.Ngf, s.Norm, s.UseDropout, s.Widths);
    /// <inheritdoc/>
    protected override GeneratorSpec ToSpec(UnetGeneratorConfig c) => new(c.InputChannels, c.OutputChannels, c.Ngf, c.NumDowns, c.Norm, c.UseDropout, c.Widths);

    /// <inheritdoc/>
    public override int SizeMultiple(GeneratorSpec spec) => 1 << spec.Depth;
    /// <inheritdoc/>
    /// <remarks>A U-Net trains at the size its depth halves down to 1 (<c>ModelFactory.UnetDowns</c>), 32 pixels at least.</remarks>
    public override int TrainingSize(GeneratorSpec spec) => Math.Max(32, 1 << spec.Depth);
    /// <inheritdoc/>
    public override string InputRule(GeneratorSpec spec) => $"height and width multiples of {1 << spec.Depth} ({spec.Depth} downsamplings)";

    /// <inheritdoc/>
    /// <remarks>The outermost level is plain: downconv, the nested levels, ReLU, upconv, Tanh (no skip around it).</remarks>
    public override Module ExportRoot(Module model) => Child(Child(As<UnetGenerator>(model), "model"), "model");

    /// <inheritdoc/>
    public override PyTorchLayout ReadLayout(IReadOnlyDictionary<string, SafeTensor> tensors) => PyTorchLayout.Unet(tensors);

    /// <inheritdoc/>
    public override GeneratorSpec ForTraining(TrainOptions o, IReadOnlyList<int>? widths) =>
        new(3, 3, o.Ngf, ModelFactory.UnetDowns(o.Size), o.EffectiveNorm, o.EffectiveDropout, widths);
}
