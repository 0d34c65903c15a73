using System.Globalization;
using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Evaluation;

/// <summary>
/// The one place evaluation loads and runs a generator: a model file opened on a device, then one CHW image in [-1, 1]
/// at a time through it with gradients off. When the bindings gain a public generator class this is the code to
/// replace with it. Used from one thread.
/// </summary>
internal sealed class GeneratorRunner : IDisposable
{
    readonly Device _device;
    readonly Module _model;

    GeneratorRunner(Device device, Module model)
    {
        _device = device;
        _model = model;
    }

    /// <summary>Opens <paramref name="modelFile"/> on <paramref name="device"/>; refuses anything but an RGB-to-RGB generator.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a CoroNetGAN model file, or a discriminator, or not 3 channels in and out.</exception>
    public static GeneratorRunner Open(string modelFile, string device)
    {
        string path = Path.GetFullPath(modelFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file {path} does not exist.", path);
        var dev = Devices.Open(device);
        Module? model = null;
        try
        {
            model = Interchange.LoadModel(path, dev);
            var (input, output) = model switch
            {
                ResnetGenerator r => (r.Config.InputChannels, r.Config.OutputChannels),
                UnetGenerator u => (u.Config.InputChannels, u.Config.OutputChannels),
                PatchGanDiscriminator => throw new InvalidDataException(
                    $"{path} holds a PatchGAN discriminator, not a generator: evaluate a generator file (a run's compact.safetensors)."),
                _ => throw new InvalidDataException($"{path} holds a {model.GetType().Name}, not a ResNet or U-Net generator."),
            };
            if (input != 3 || output != 3)
                throw new InvalidDataException(
                    $"{path}: the generator maps {input}-channel images to {output}-channel images, but evaluation feeds it RGB images "
                    + "(every image is decoded to 3 channels: grayscale is replicated, transparency composited on white) and "
                    + "compares RGB outputs; only 3-channel to 3-channel generators can be evaluated.");
            model.Eval();
            var runner = new GeneratorRunner(dev, model);
            model = null;
            return runner;
        }
        catch
        {
            model?.Dispose();
            dev.Dispose();
            throw;
        }
    }

    /// <summary>Why <paramref name="size"/> cannot be fed to this generator, or null when it can.</summary>
    public string? CheckSize(int size) => _model switch
    {
        UnetGenerator u when size % (1 << u.Config.NumDowns) != 0 =>
            $"the U-Net generator downsamples {u.Config.NumDowns} times, so the image size must be a multiple of {1 << u.Config.NumDowns}, not {size}",
        ResnetGenerator when size % 4 != 0 => $"the ResNet generator downsamples twice, so the image size must be a multiple of 4, not {size}",
        _ => null,
    };

    /// <summary>Runs one 3 x size x size CHW image in [-1, 1] through the generator; returns the output as 8-bit RGB.</summary>
    public Image<Rgb24> Translate(float[] chw, int size)
    {
        float[] output;
        using (Tape.NoGrad())
            output = _model.Forward(Tensor.FromArray(_device, chw, 1, 3, size, size)).ToArray();
        return Pixels.FromChw(output, size, size);
    }

    /// <summary>
    /// The image size the model was trained at, when the model says: metadata <c>imageSize</c> of the model file,
    /// else the <c>size</c> of a training run's <c>report.json</c> beside it whose compact model has this file's name. Null when
    /// neither tells.
    /// </summary>
    /// <param name="modelFile">The model file.</param>
    /// <param name="source">Where the size was read.</param>
    public static int? TrainedSize(string modelFile, out string? source)
    {
        string path = Path.GetFullPath(modelFile);
        source = null;
        try
        {
            var meta = SafeTensorsFile.Read(path).Metadata;
            if (meta.TryGetValue("imageSize", out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int fromMeta) && fromMeta > 0)
            {
                source = "model metadata imageSize";
                return fromMeta;
            }
        }
        catch (IOException) { return null; }
        string report = Path.Combine(Path.GetDirectoryName(path)!, "report.json");
        if (!File.Exists(report)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(report));
            var root = doc.RootElement;
            bool names = new[] { "compactModel", "compactModelBtoA" }.Any(k =>
                root.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String
                && string.Equals(Path.GetFileName(v.GetString()), Path.GetFileName(path), StringComparison.Ordinal));
            if (names && root.TryGetProperty("size", out var size) && size.TryGetInt32(out int fromReport) && fromReport > 0)
            {
                source = report;
                return fromReport;
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException) { }
        return null;
    }

    public void Dispose()
    {
        _model.Dispose();
        _device.Dispose();
    }
}
