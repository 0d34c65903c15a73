using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CoroNetGAN;

/// <summary>
/// A trained generator, full or compact, loaded on a device and ready to translate images: one image, a batch, a
/// raw NCHW array, or every image of a folder. Images are resized (bicubic) to <see cref="ImageSize"/> squared and
/// scaled to [-1, 1] as pix2pix and CycleGAN feed their generators; outputs come back as RGB images.
/// </summary>
/// <remarks>
/// Thread-safe: translations may be called from any thread; calls on one instance run one at a time (a lock), so
/// for parallel throughput on a CPU load one instance per thread. Dispose it when done: it frees the weights and,
/// when it opened the device by name, the device. The weights are frozen while it lives, so the CPU backend packs
/// each one for its GEMMs once, on first use, rather than on every call (as ONNX Runtime prepacks at load); the
/// outputs are bit-identical either way, and batches (<see cref="Translate(IReadOnlyList{Image{Rgb24}})"/>, the
/// raw NCHW overload) gain the same.
/// </remarks>
public sealed class Generator : IDisposable
{
    readonly object _gate = new();
    readonly Module _model;
    readonly Device _device;
    readonly bool _ownsDevice;
    bool _disposed;

    Generator(Module model, Device device, bool ownsDevice, int imageSize, string? path)
    {
        _model = model;
        _device = device;
        _ownsDevice = ownsDevice;
        Path = path;
        var family = GeneratorFamilies.Find(model) ?? throw new ArgumentException(
            $"{path ?? "the model"} is a {ModelFile.Describe(model).Architecture}, not a generator: only {string.Join(" and ", GeneratorFamilies.All.Select(f => f.Architecture))} models translate images.");
        if (!family.TranslatesImages)
            throw new ArgumentException($"{path ?? "the model"} is a {family.Architecture}, a generator from noise: it makes images, it does not translate them (use its sample grid from training, or export it to ONNX and feed it noise).");
        var spec = family.Spec(model);
        (InputChannels, OutputChannels) = (spec.InputChannels, spec.OutputChannels);
        SizeMultiple = family.SizeMultiple(spec);
        CheckSize(imageSize, nameof(imageSize), "image size");
        ImageSize = imageSize;
        _model.Eval();
        // Inference never writes the weights: let the backend pack them once instead of on every call.
        _device.FreezeWeights(Weights());
    }

    IEnumerable<Tensor> Weights() => _model.NamedParameters().Select(p => p.Tensor);

    /// <summary>
    /// Loads a generator file (a run's <c>compact.safetensors</c>, or any model file written by
    /// <see cref="Interchange.SaveModel"/>) on the device named <paramref name="device"/> (see <see cref="Devices.Open"/>).
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="device">auto, cpu, cuda, opencl, ilgpu-cpu or an indexed device name.</param>
    /// <param name="imageSize">Translation size; default: the size the model was trained at when the file records it,
    /// else 256 (the smallest valid size above 256 for a deeper U-Net).</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a CoroNetGAN model file.</exception>
    /// <exception cref="ArgumentException">The file holds a discriminator, or the size does not suit the architecture.</exception>
    public static Generator Load(string path, string device = "auto", int? imageSize = null)
    {
        var dev = Devices.Open(device);
        try { return Load(path, dev, imageSize, ownsDevice: true); }
        catch { dev.Dispose(); throw; }
    }

    /// <summary>Loads a generator file on an open <paramref name="device"/>, which the caller keeps and disposes.</summary>
    /// <inheritdoc cref="Load(string, string, int?)"/>
    public static Generator Load(string path, Device device, int? imageSize = null) => Load(path, device, imageSize, ownsDevice: false);

    static Generator Load(string path, Device device, int? imageSize, bool ownsDevice)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(device);
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        int? stored = ModelFile.ReadImageSize(path);
        var model = ModelFile.Load(path, device);
        try
        {
            int size = imageSize ?? stored ?? (GeneratorFamilies.Find(model) is { } f ? f.DefaultImageSize(f.Spec(model)) : 256);
            return new Generator(model, device, ownsDevice, size, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The file this generator was loaded from.</summary>
    public string? Path { get; }

    /// <summary>The device it runs on.</summary>
    public string DeviceName => _device.Name;

    /// <summary>Architecture and configuration, as the model file records them (ngf, blocks or downsamplings, norm, widths).</summary>
    public string Description => Interchange.Describe(_model);

    /// <summary>Per-layer widths (see <c>coronetgan info</c>); a compact generator has narrower ones.</summary>
    public IReadOnlyList<int> Widths => ModelShapes.Widths(_model)!;

    /// <summary>Trainable parameters.</summary>
    public long Parameters => _model.ParameterCount;

    /// <summary>Channels of the images it reads (3 for RGB).</summary>
    public int InputChannels { get; }

    /// <summary>Channels of the images it writes (3 for RGB).</summary>
    public int OutputChannels { get; }

    /// <summary>Images are translated at <see cref="ImageSize"/> x <see cref="ImageSize"/> pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Valid sizes are multiples of this (4 for the ResNet, 2^downsamplings for the U-Net).</summary>
    public int SizeMultiple { get; }

    /// <summary>
    /// Translates one image. The result is <see cref="ImageSize"/> squared, or, with <paramref name="keepSize"/>,
    /// resized back (bicubic) to the input's size.
    /// </summary>
    /// <exception cref="ArgumentException">The generator does not read and write 3-channel images.</exception>
    public Image<Rgb24> Translate(Image<Rgb24> image, bool keepSize = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = Translate([image])[0];
        if (keepSize && (image.Width != ImageSize || image.Height != ImageSize))
            output.Mutate(ctx => ctx.Resize(new ResizeOptions { Size = new Size(image.Width, image.Height), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Bicubic }));
        return output;
    }

    /// <summary>Translates <paramref name="images"/> in one batch; each result is <see cref="ImageSize"/> squared, in order.</summary>
    /// <exception cref="ArgumentException">The list is empty, or the generator does not read and write 3-channel images.</exception>
    public IReadOnlyList<Image<Rgb24>> Translate(IReadOnlyList<Image<Rgb24>> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("Translate needs at least one image.", nameof(images));
        RequireRgb();
        int s = ImageSize, plane = 3 * s * s;
        var input = new float[images.Count * plane];
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], $"images[{i}]");
            ImageIO.ToChw(images[i], s).CopyTo(input, i * plane);
        }
        var output = Translate(input, images.Count, s, s);
        var result = new Image<Rgb24>[images.Count];
        for (int i = 0; i < images.Count; i++) result[i] = ImageIO.ToImage(output.AsSpan(i * plane, plane), s, s);
        return result;
    }

    /// <summary>
    /// Runs the generator on a raw NCHW batch in [-1, 1] (<paramref name="batch"/> x <see cref="InputChannels"/> x
    /// height x width, row-major) and returns the NCHW output (<see cref="OutputChannels"/> channels), for apps that
    /// do their own pre- and post-processing.
    /// </summary>
    /// <exception cref="ArgumentException">The length does not match the shape (the message gives the channel count
    /// the data implies), or the size is not a multiple of <see cref="SizeMultiple"/>.</exception>
    public float[] Translate(ReadOnlySpan<float> input, int batch, int height, int width)
    {
        if (batch < 1) throw new ArgumentException($"batch must be at least 1, got {batch}.", nameof(batch));
        CheckSize(height, nameof(height), "height");
        CheckSize(width, nameof(width), "width");
        long expected = (long)batch * InputChannels * height * width;
        CheckMemory(batch, height, width);
        if (input.Length != expected)
        {
            long perChannel = (long)batch * height * width;
            string implied = input.Length % perChannel == 0 ? $" (that is {input.Length / perChannel} channels)" : "";
            throw new ArgumentException($"{Name}: expected {batch} x {InputChannels} x {height} x {width} = {expected} values, got {input.Length}{implied}.", nameof(input));
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var scope = Tape.NoGrad();
            var x = Tensor.FromArray(_device, input, batch, InputChannels, height, width);
            return _model.Forward(x).ToArray();
        }
    }

    /// <summary>
    /// Translates an image file, or every image in a folder (not its subfolders; .png, .jpg, .bmp, .gif, .tga,
    /// .tif, .webp), writing PNGs of the same names into <paramref name="outputDirectory"/>, <paramref name="batchSize"/>
    /// images per forward pass. Every file is decoded before it is translated: a bad file stops the run with its name.
    /// </summary>
    /// <param name="input">An image file or a folder of images.</param>
    /// <param name="outputDirectory">Created if missing; it may not be, or hold, the input. Inputs that share a name
    /// (a.png, a.bmp) get distinct outputs (a_png.png, a_bmp.png).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="progress">Told of each file written, in order.</param>
    /// <param name="cancellation">Checked between batches; files already written stay.</param>
    /// <param name="overwrite">Replace existing output files (atomically); when false, any existing output stops the run before it starts.</param>
    /// <returns>The files written, in input order.</returns>
    /// <exception cref="IOException">Outputs exist and <paramref name="overwrite"/> is false (nothing is written).</exception>
    /// <exception cref="FileNotFoundException">The input is neither a file nor a folder.</exception>
    /// <exception cref="ArgumentException">The folder holds no images.</exception>
    /// <exception cref="BadImageException">An image cannot be decoded (the message names it).</exception>
    public IReadOnlyList<string> TranslateFiles(string input, string outputDirectory, int batchSize = 8,
        IProgress<TranslatedFile>? progress = null, CancellationToken cancellation = default, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        if (batchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {batchSize}.", nameof(batchSize));
        RequireRgb();
        var files = ImageIO.ListImages(input);
        var targets = TranslationPlan.Targets(input, files, outputDirectory, overwrite);
        int s = ImageSize, plane = 3 * s * s;
        CheckMemory(Math.Min(batchSize, files.Count), s, s);
        Directory.CreateDirectory(outputDirectory);
        var written = new List<string>(files.Count);
        for (int start = 0; start < files.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, files.Count - start);
            var batch = new float[n * plane];
            for (int i = 0; i < n; i++) ImageIO.Load(files[start + i], s).CopyTo(batch, i * plane);
            var output = Translate(batch, n, s, s);
            for (int i = 0; i < n; i++)
            {
                string source = files[start + i];
                string target = targets[start + i];
                ImageIO.SavePng(output.AsSpan(i * plane, plane), s, s, target);
                written.Add(target);
                progress?.Report(new TranslatedFile(source, target, start + i + 1, files.Count));
            }
        }
        return written;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _device.ThawWeights(Weights());
            _model.Dispose();
            if (_ownsDevice) _device.Dispose();
        }
    }

    /// <summary>
    /// Refuses, before any buffer exists, a batch whose activations cannot fit: the full-resolution layers hold
    /// about (first width x 4 + 6) floats per pixel and image at once.
    /// </summary>
    void CheckMemory(long batch, int height, int width)
    {
        long perPixel = 4L * (6 + 4L * Math.Max(InputChannels, Widths.Count > 0 ? Widths[0] : 64));
        ImageLimits.CheckMemory(batch * height * width * perPixel, $"{Name}: translating {batch} image(s) of {height}x{width}",
            "use a smaller --size or --batch");
    }

    string Name => Path is null ? "generator" : $"generator {Path}";

    void RequireRgb()
    {
        if (InputChannels != 3 || OutputChannels != 3)
            throw new ArgumentException($"{Name} reads {InputChannels}-channel and writes {OutputChannels}-channel images; RGB images need 3 and 3. Use Translate(ReadOnlySpan<float>, ...) with {InputChannels}-channel data.");
    }

    void CheckSize(int size, string parameter, string what)
    {
        if (size > ImageLimits.MaxImageSize)
            throw new ArgumentException($"{Name}: {what} {size} is over the largest supported image size, {ImageLimits.MaxImageSize}; use a smaller --size.", parameter);
        if (size < SizeMultiple || size % SizeMultiple != 0)
            throw new ArgumentException($"{Name}: {what} {size} is not a positive multiple of {SizeMultiple}, which this architecture needs (--size).", parameter);
    }
}

/// <summary>One file written by <see cref="Generator.TranslateFiles"/>.</summary>
/// <param name="Source">The input image.</param>
/// <param name="Output">The PNG written.</param>
/// <param name="Done">Files written so far, this one included.</param>
/// <param name="Total">Files in the run.</param>
public sealed record TranslatedFile(string Source, string Output, int Done, int Total);
