using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Engine.Models.Families;

/// <summary>
/// Everything the engine and its bindings need to know about one generator family (its names, configuration, width
/// layout, size rule, builders, model-file and PyTorch naming, export root), so that no code outside the family's folder
/// switches on its model type; <see cref="GeneratorFamilies"/> finds the family by name, type, file metadata or
/// training option. Implementations are stateless singletons: thread-safe.
/// </summary>
public abstract class GeneratorFamily
{
    /// <summary>The model file's <c>architecture</c> value and the model's class name (e.g. <c>ResnetGenerator</c>).</summary>
    public abstract string Architecture { get; }

    /// <summary>The model class.</summary>
    public abstract Type ModelType { get; }

    /// <summary>The architecture names that build it with a fixed depth (e.g. <c>resnet9</c>, <c>resnet6</c>).</summary>
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>The name that takes the depth from an imported file (e.g. <c>resnet</c>).</summary>
    public abstract string GenericName { get; }

    /// <summary>What <see cref="GeneratorSpec.Depth"/> means here, as PyTorch layout evidence names it (e.g. <c>blocks</c>).</summary>
    public abstract string DepthField { get; }

    /// <summary>The import option that states the depth (e.g. <c>--blocks</c>); null when only the name or the file gives it.</summary>
    public abstract string? DepthOption { get; }

    /// <summary>The depth a name fixes (null for <see cref="GenericName"/>).</summary>
    public abstract int? DepthOf(string name);

    /// <summary>The image size a name is meant for; sizes must be multiples of it where the family needs that.</summary>
    public virtual int NativeSize(string name) => 256;

    /// <summary>Why the architecture <paramref name="name"/> cannot take <paramref name="size"/>-pixel images; null when it can.</summary>
    public virtual string? SizeError(string name, int size) => null;

    /// <summary>The reference norm when none is given.</summary>
    public abstract NormKind DefaultNorm { get; }

    /// <summary>The reference dropout when none is given.</summary>
    public abstract bool DefaultDropout { get; }

    /// <summary>Builds the plain generator of <paramref name="spec"/>, or with <paramref name="hyper"/> the searching one.</summary>
    public abstract Module Build(GeneratorSpec spec, Device device, int seed = 0, HyperOptions? hyper = null);

    /// <summary>The spec a model of this family was built from (its pruned widths included).</summary>
    public abstract GeneratorSpec Spec(Module model);

    /// <summary>Names of the width entries, in order.</summary>
    public abstract IReadOnlyList<string> WidthLayout(int depth);

    /// <summary>The full widths of <paramref name="ngf"/> and <paramref name="depth"/>.</summary>
    public abstract int[] FullWidths(int ngf, int depth);

    /// <summary>The widths of a plain or searching model of this family.</summary>
    public abstract IReadOnlyList<int> Widths(Module model);

    /// <summary>The configuration record as the model file's <c>config</c> JSON (full widths stored as none).</summary>
    public abstract string ConfigJson(Module model, JsonSerializerOptions json);

    /// <summary>Rebuilds a model from the model file's <c>config</c> JSON.</summary>
    public abstract Module FromConfigJson(string json, JsonSerializerOptions options, Device device);

    /// <summary>Image height and width must be multiples of this.</summary>
    public abstract int SizeMultiple(GeneratorSpec spec);

    /// <summary>The translation size when neither the caller nor the file gives one.</summary>
    public virtual int DefaultImageSize(GeneratorSpec spec) => Math.Max(256, SizeMultiple(spec));

    /// <summary>The training image size for a model of <paramref name="spec"/> when neither the caller nor its file gives one.</summary>
    public virtual int TrainingSize(GeneratorSpec spec) => DefaultImageSize(spec);

    /// <summary>The input of one batch item at <paramref name="imageSize"/> pixels (what MACs are counted on).</summary>
    public virtual int[] InputShape(GeneratorSpec spec, int imageSize) => [1, spec.InputChannels, imageSize, imageSize];

    /// <summary>The input of one batch item of <paramref name="model"/> at <paramref name="imageSize"/> pixels.</summary>
    public int[] InputShape(Module model, int imageSize) => InputShape(Spec(model), imageSize);

    /// <summary>Whether it maps images to images (the translate command); a generator from noise does not.</summary>
    public virtual bool TranslatesImages => true;

    /// <summary>The input channels when none are given (image channels; noise channels for a generator from noise).</summary>
    public virtual int DefaultInputChannels => 3;

    /// <summary>The exported model's input and output in words (its ONNX doc string after the family's name).</summary>
    public virtual string Io(GeneratorSpec spec) =>
        $"input NCHW float32 in [-1, 1], {InputRule(spec)}; output NCHW float32 in [-1, 1], same height and width.";

    /// <summary>The input rule in words, recorded in exported models (e.g. "height and width multiples of 4 and at least 8").</summary>
    public abstract string InputRule(GeneratorSpec spec);

    /// <summary>The module whose forward pass, walked layer by layer, is the whole model (what ONNX export emits).</summary>
    public abstract Module ExportRoot(Module model);

    /// <summary>Reads what a PyTorch state dict of this family says about the network that wrote it.</summary>
    public abstract PyTorchLayout ReadLayout(IReadOnlyDictionary<string, SafeTensor> tensors);

    /// <summary>Whether an imported file's dropout comes from its keys (else from the options, then <see cref="DefaultDropout"/>).</summary>
    public virtual bool DropoutFromFile => false;

    /// <summary>The training option values this family trains under.</summary>
    public abstract IReadOnlyList<GeneratorArch> TrainArchs { get; }

    /// <summary>
    /// The training option an architecture name of this family trains; null when the name leaves it open (the generic
    /// <c>resnet</c>: its depth comes from a file). A family of one training option trains it under every name.
    /// </summary>
    public virtual GeneratorArch? TrainArch(string name) => TrainArchs.Count == 1 ? TrainArchs[0] : null;

    /// <summary>The training option that trains a model of <paramref name="spec"/>; null when none does (a depth no option gives).</summary>
    public virtual GeneratorArch? TrainArch(GeneratorSpec spec) => TrainArchs.Count == 1 ? TrainArchs[0] : null;

    /// <summary>The architecture name a PyTorch state dict of a <paramref name="arch"/> run's generator is imported as.</summary>
    public string ImportName(GeneratorArch arch) => TrainArchs.Count == 1 ? GenericName : Names.First(n => TrainArch(n) == arch);

    /// <summary>The spec a training run's options describe (widths null: full width).</summary>
    public abstract GeneratorSpec ForTraining(TrainOptions options, IReadOnlyList<int>? widths);

    /// <summary>Names of a model's width entries, in order.</summary>
    public IReadOnlyList<string> WidthLayout(Module model) => WidthLayout(Spec(model).Depth);

    /// <summary>A model's full widths (those of its configuration without pruning).</summary>
    public int[] FullWidths(Module model) => Spec(model) is var s ? FullWidths(s.Ngf, s.Depth) : [];

    /// <summary>Whether <paramref name="model"/> belongs to this family.</summary>
    public bool Owns(Module model) => ModelType.IsInstanceOfType(model);

    /// <summary>The same model's configuration at full width on <paramref name="device"/> (no weights loaded).</summary>
    public Module FullWidth(Module model, Device device) => Build(Spec(model) with { Widths = null }, device);

    /// <summary>The same configuration on <paramref name="device"/> (no weights loaded).</summary>
    public Module Rebuild(Module model, Device device) => Build(Spec(model), device);

    /// <summary>Pruned widths, or null when they equal the full widths (so a full model's file reads as one built without).</summary>
    protected IReadOnlyList<int>? Pruned(IReadOnlyList<int> widths, int ngf, int depth) =>
        widths.SequenceEqual(FullWidths(ngf, depth)) ? null : widths.ToArray();

    /// <summary>The model as this family's class, or a clear error.</summary>
    protected T As<T>(Module model) where T : Module =>
        model as T ?? throw new ArgumentException($"{Architecture} family: expected a {typeof(T).Name}, got a {model.GetType().Name}.");
}
