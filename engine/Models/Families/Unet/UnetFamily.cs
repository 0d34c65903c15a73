using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families.Unet;

/// <summary>The U-Net generator family (pix2pix's <see cref="UnetGenerator"/>: unet256, unet128, unet64). Stateless.</summary>
public sealed class UnetFamily : GeneratorFamily
{
    /// <inheritdoc/>
    public override string Architecture => "UnetGenerator";
    /// <inheritdoc/>
    public override Type ModelType => typeof(UnetGenerator);
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
    public override Module Build(GeneratorSpec spec, Device device, int seed = 0, HyperOptions? hyper = null) =>
        new UnetGenerator(new UnetGeneratorConfig(spec.InputChannels, spec.OutputChannels, spec.Depth, spec.Ngf, spec.Norm, spec.UseDropout, spec.Widths),
            device, seed, hyper);

    /// <inheritdoc/>
    public override GeneratorSpec Spec(Module model)
    {
        var c = As<UnetGenerator>(model).Config;
        return new(c.InputChannels, c.OutputChannels, c.Ngf, c.NumDowns, c.Norm, c.UseDropout, c.Widths);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<string> WidthLayout(int depth) => UnetGenerator.WidthLayout(depth).Split(", ");
    /// <inheritdoc/>
    public override int[] FullWidths(int ngf, int depth) => UnetGenerator.FullWidths(ngf, depth);
    /// <inheritdoc/>
    public override IReadOnlyList<int> Widths(Module model) => As<UnetGenerator>(model).Widths;

    /// <inheritdoc/>
    public override string ConfigJson(Module model, JsonSerializerOptions json)
    {
        var u = As<UnetGenerator>(model);
        return JsonSerializer.Serialize(u.Config with { Widths = Pruned(u.Widths, u.Config.Ngf, u.Config.NumDowns) }, json);
    }

    /// <inheritdoc/>
    public override Module FromConfigJson(string json, JsonSerializerOptions options, Device device) =>
        new UnetGenerator(JsonSerializer.Deserialize<UnetGeneratorConfig>(json, options) ?? throw new InvalidDataException("the config is null."), device);

    /// <inheritdoc/>
    public override int SizeMultiple(GeneratorSpec spec) => 1 << spec.Depth;
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

    static Module Child(Module parent, string name) =>
        parent.Children.FirstOrDefault(c => c.Name == name).Module
        ?? throw new ArgumentException($"{parent.GetType().Name} at '{parent.Path}' has no child '{name}'; the exporter does not know its layout.");
}
