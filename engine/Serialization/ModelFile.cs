using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>
/// The engine's own model file: a safetensors file with the model's state dict under PyTorch's keys (so it is
/// also a valid interchange file) and <c>__metadata__</c> entries <c>format</c> = <c>coronetgan-model</c>,
/// <c>version</c>, <c>architecture</c> (a generator family's, see <see cref="GeneratorFamilies"/>, or <c>NLayerDiscriminator</c>)
/// and <c>config</c>, the JSON of the model's configuration record (channels, ngf, blocks or downsamplings, norm,
/// dropout, pruned widths). It holds everything needed to rebuild the model and nothing of training state.
/// Save and Load may run on any thread; the module itself must not be used concurrently.
/// </summary>
public static class ModelFile
{
    /// <summary>The metadata <c>format</c> value.</summary>
    public const string Format = "coronetgan-model";

    /// <summary>The format version this engine writes and the newest it reads.</summary>
    public const int Version = 1;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // A misspelt or foreign field would otherwise be dropped and the model rebuilt from defaults.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The architecture name and configuration JSON of a supported model.</summary>
    /// <exception cref="ArgumentException">The module is neither a generator of a known family nor the PatchGAN.</exception>
    public static (string Architecture, string ConfigJson) Describe(Module model) =>
        GeneratorFamilies.Find(model) is { } family ? (family.Architecture, family.ConfigJson(model, Json))
        : model is PatchGanDiscriminator d ? (Discriminator, JsonSerializer.Serialize(d.Config, Json))
        : throw new ArgumentException($"Only {Known} models can be saved as model files, not {model.GetType().Name}.");

    const string Discriminator = "NLayerDiscriminator";

    static string Known => string.Join(", ", GeneratorFamilies.All.Select(f => f.Architecture).Append(Discriminator));

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> (atomically); <paramref name="imageSize"/>, when
    /// given, is stored as <c>image_size</c>: the size the model was trained at, which translation then uses by default.
    /// </summary>
    /// <exception cref="ArgumentException">The module is not one of the three reference models, or the size is not positive.</exception>
    public static void Save(Module model, string path, int? imageSize = null)
    {
        var (arch, config) = Describe(model);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["version"] = Version.ToString(CultureInfo.InvariantCulture),
            ["architecture"] = arch,
            ["config"] = config,
        };
        if (imageSize is { } size)
        {
            if (size < 1) throw new ArgumentException($"image size must be positive, got {size}.");
            metadata["image_size"] = size.ToString(CultureInfo.InvariantCulture);
        }
        StateDict.Save(model, path, metadata);
    }

    /// <summary>
    /// The training image size stored in a model file's metadata (<c>image_size</c>), or null when the file has none
    /// (files written before it was recorded, or by <see cref="Save"/> without a size). Reads only the header.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a CoroNetGAN model file, or the stored size is not a positive integer.</exception>
    public static int? ReadImageSize(string path)
    {
        var meta = SafeTensorsReader.ReadMetadata(path);
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path}: not a CoroNetGAN model file (metadata format is '{format ?? "absent"}', expected '{Format}').");
        if (!meta.TryGetValue("image_size", out var text)) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0
            ? size
            : throw new InvalidDataException($"{path}: metadata image_size '{text}' is not a positive integer.");
    }

    /// <summary>The <c>architecture</c> a CoroNetGAN model file records, or null for another file. Reads only the header.</summary>
    public static string? ReadArchitecture(string path)
    {
        var meta = SafeTensorsReader.ReadMetadata(path);
        return meta.TryGetValue("format", out var format) && format == Format && meta.TryGetValue("architecture", out var arch) ? arch : null;
    }

    /// <summary>Rebuilds the model stored in <paramref name="path"/> on <paramref name="device"/> and loads its weights.</summary>
    /// <exception cref="InvalidDataException">Not a model file, a newer version, or a bad configuration; the message names the file.</exception>
    /// <exception cref="StateDictMismatchException">The tensors do not fit the configuration.</exception>
    /// <remarks>Weights must be finite (<see cref="StateDict.RequireFinite"/>).</remarks>
    public static Module Load(string path, Device device)
    {
        var file = SafeTensorsFile.Read(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path}: not a CoroNetGAN model file (metadata format is '{format ?? "absent"}', expected '{Format}'); PyTorch weights are imported with an architecture instead.");
        if (!meta.TryGetValue("version", out var v) || !int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw new InvalidDataException($"{path}: model file version '{v ?? "absent"}' is not a positive integer.");
        if (version > Version)
            throw new InvalidDataException($"{path}: model file version {version} was written by a newer CoroNetGAN; this one reads up to version {Version}.");
        string arch = meta.TryGetValue("architecture", out var a) ? a : "";
        string config = meta.TryGetValue("config", out var c) ? c : throw new InvalidDataException($"{path}: the metadata has no config.");
        Module model;
        try
        {
            model = GeneratorFamilies.ByArchitecture(arch) is { } family ? family.FromConfigJson(config, Json, device)
                : arch == Discriminator ? new PatchGanDiscriminator(Parse<PatchGanConfig>(config), device)
                : throw new InvalidDataException($"unknown architecture '{arch}' (known: {Known}).");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: cannot rebuild the model from its metadata: {e.Message}", e);
        }
        try
        {
            StateDict.Load(model, file.Tensors, path);
            StateDict.RequireFinite(file.Tensors, path);
        }
        catch { model.Dispose(); throw; }
        return model;
    }

    static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException("the config is null.");
}
