using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Engine.Models.Families;

/// <summary>
/// A family of one model class <typeparamref name="TModel"/> built from one configuration record
/// <typeparamref name="TConfig"/>: building, the spec of a model, widths, width layout and the model file's
/// <c>config</c> JSON are held here once, so a family states only how its record maps to and from a
/// <see cref="GeneratorSpec"/> and how its model is constructed. Stateless.
/// </summary>
/// <typeparam name="TModel">The model class.</typeparam>
/// <typeparam name="TConfig">Its configuration record (the model file's <c>config</c> JSON, so existing files read unchanged).</typeparam>
public abstract class GeneratorFamily<TModel, TConfig> : GeneratorFamily
    where TModel : Module, IGeneratorModel<TConfig>
    where TConfig : class
{
    /// <inheritdoc/>
    public sealed override Type ModelType => typeof(TModel);

    /// <summary>Constructs the model of <paramref name="config"/> (the searching one with <paramref name="hyper"/>).</summary>
    protected abstract TModel New(TConfig config, Device device, int seed, HyperOptions? hyper);

    /// <summary>The configuration record of <paramref name="spec"/>; throws where the family cannot take it.</summary>
    protected abstract TConfig ToConfig(GeneratorSpec spec);

    /// <summary>The spec of <paramref name="config"/> (one-to-one with <see cref="ToConfig"/>).</summary>
    protected abstract GeneratorSpec ToSpec(TConfig config);

    /// <inheritdoc/>
    public sealed override Module Build(GeneratorSpec spec, Device device, int seed = 0, HyperOptions? hyper = null) =>
        New(ToConfig(spec), device, seed, hyper);

    /// <inheritdoc/>
    public sealed override GeneratorSpec Spec(Module model) => ToSpec(As<TModel>(model).Config);

    /// <inheritdoc/>
    public sealed override IReadOnlyList<string> WidthLayout(int depth) => TModel.WidthLayout(depth).Split(", ");

    /// <inheritdoc/>
    public sealed override int[] FullWidths(int ngf, int depth) => TModel.FullWidths(ngf, depth);

    /// <inheritdoc/>
    public sealed override IReadOnlyList<int> Widths(Module model) => As<TModel>(model).Widths;

    /// <inheritdoc/>
    public sealed override string ConfigJson(Module model, JsonSerializerOptions json)
    {
        var m = As<TModel>(model);
        var spec = ToSpec(m.Config);
        return JsonSerializer.Serialize(ToConfig(spec with { Widths = Pruned(m.Widths, spec.Ngf, spec.Depth) }), json);
    }

    /// <inheritdoc/>
    public sealed override Module FromConfigJson(string json, JsonSerializerOptions options, Device device) =>
        New(JsonSerializer.Deserialize<TConfig>(json, options) ?? throw new InvalidDataException("the config is null."), device, 0, null);

    /// <summary>The child module <paramref name="name"/> of <paramref name="parent"/> (an export root's path), or a clear error.</summary>
    protected static Module Child(Module parent, string name) =>
        parent.Children.FirstOrDefault(c => c.Name == name).Module
        ?? throw new ArgumentException($"{parent.GetType().Name} at '{parent.Path}' has no child '{name}'; the exporter does not know its layout.");
}
