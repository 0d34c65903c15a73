using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CoroNetGAN.Evaluation;

/// <summary>
/// ImageNet ResNet-18 features of images, the embedding behind <see cref="FrechetDistance"/> ("FID (ResNet-18)") and
/// <see cref="KernelInceptionDistance"/>: 512 values per image, the global average pool of the last convolutional
/// stage. The network is the CNTK-trained ResNet-18 of the <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package,
/// run by ONNX Runtime on the CPU in two steps: its <c>ResNetPreprocess.onnx</c> (subtracts the ImageNet mean image
/// from a BGR, 0-255, 224 x 224 input) and then <c>ResNet18.onnx</c>.
/// </summary>
/// <remarks>
/// <para>These are not the Inception-v3 pool3 features of the FID in papers (2048-d, torchvision/TF preprocessing), so
/// distances computed on them are not comparable with published FIDs; compare only numbers made with this class.</para>
/// <para>Images of any size are first resized to 224 x 224 with ImageSharp's triangle (bilinear) resampler, aspect
/// ratio not kept. The model files are found in <c>DnnImageModels/</c> next to the app (see <see cref="Open"/>).</para>
/// <para>Thread safety: one instance holds one <see cref="InferenceSession"/> per model file, created once and reused.
/// <see cref="Extract(Image{Rgb24})"/> keeps no per-call state on the instance, and ONNX Runtime allows concurrent runs
/// of one session, so several threads may extract at once (each run already uses every core, so this rarely helps).
/// <see cref="Dispose"/> must not race with an extraction.</para>
/// </remarks>
public sealed class ImageFeatures : IDisposable
{
    /// <summary>Features per image.</summary>
    public const int Dimension = 512;

    /// <summary>Side length, in pixels, the network reads.</summary>
    public const int InputSize = 224;

    /// <summary>The folder, next to the app, that holds the model files (the package's own layout).</summary>
    public const string ModelFolderName = "DnnImageModels";

    /// <summary>The ResNet-18 network, relative to the model folder.</summary>
    public static readonly string NetworkFile = Path.Combine("ResNet18Onnx", "ResNet18.onnx");

    /// <summary>The preprocessing network (mean-image subtraction), relative to the model folder.</summary>
    public static readonly string PreprocessFile = Path.Combine("ResNetPrepOnnx", "ResNetPreprocess.onnx");

    static readonly long[] InputShape = [1, 3, InputSize, InputSize];

    readonly InferenceSession _preprocess, _network;
    readonly string _prepIn, _prepOut, _netIn, _netOut;
    bool _disposed;

    ImageFeatures(string directory, InferenceSession preprocess, InferenceSession network)
    {
        ModelDirectory = directory;
        _preprocess = preprocess;
        _network = network;
        _prepIn = preprocess.InputMetadata.Keys.Single();
        _prepOut = preprocess.OutputMetadata.Keys.Single();
        _netIn = network.InputMetadata.Keys.Single();
        _netOut = network.OutputMetadata.Keys.Single();
    }

    /// <summary>Full path of the folder the model files were loaded from.</summary>
    public string ModelDirectory { get; }

    /// <summary>
    /// The model folders searched when none is given, in order: <c>DnnImageModels/</c> under
    /// <see cref="AppContext.BaseDirectory"/> (where a build copies the package's files), then under the folder of this
    /// assembly (when it was loaded from elsewhere, e.g. a plug-in folder).
    /// </summary>
    public static IReadOnlyList<string> DefaultModelDirectories()
    {
        var dirs = new List<string> { Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, ModelFolderName)) };
        string? here = Path.GetDirectoryName(typeof(ImageFeatures).Assembly.Location);
        if (!string.IsNullOrEmpty(here))
        {
            string d = Path.GetFullPath(Path.Combine(here, ModelFolderName));
            if (!dirs.Contains(d, StringComparer.Ordinal)) dirs.Add(d);
        }
        return dirs;
    }

    /// <summary>
    /// Loads the two model files from <paramref name="modelDirectory"/>, or from the first of
    /// <see cref="DefaultModelDirectories"/> that holds both. Takes about half a second (the network is 64 MB): open one
    /// instance and reuse it.
    /// </summary>
    /// <param name="modelDirectory">A folder holding <see cref="NetworkFile"/> and <see cref="PreprocessFile"/>; null to search.</param>
    /// <exception cref="FileNotFoundException">A model file is missing; the message names the path expected.</exception>
    /// <exception cref="InvalidDataException">A model file does not load in ONNX Runtime, or is not the expected network.</exception>
    public static ImageFeatures Open(string? modelDirectory = null)
    {
        string dir = modelDirectory != null ? Path.GetFullPath(modelDirectory) : Locate();
        string prep = Path.Combine(dir, PreprocessFile), net = Path.Combine(dir, NetworkFile);
        foreach (var f in new[] { prep, net })
            if (!File.Exists(f))
                throw new FileNotFoundException($"The ResNet-18 featurizer model file {f} is missing. {WhereFrom}", f);
        InferenceSession? p = null, n = null;
        try
        {
            p = Load(prep);
            n = Load(net);
            Check(p, prep, InputShape, [1, 3, InputSize, InputSize]);
            Check(n, net, InputShape, [1, Dimension, 1, 1]);
            var features = new ImageFeatures(dir, p, n);
            p = n = null;
            return features;
        }
        finally
        {
            p?.Dispose();
            n?.Dispose();
        }
    }

    const string WhereFrom = "The files come from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (a dependency of "
        + "CoroNetGAN.Evaluation), whose build step copies them to DnnImageModels/ in the app's output folder; rebuild the app, "
        + "or pass the folder that holds ResNet18Onnx/ and ResNetPrepOnnx/.";

    static string Locate()
    {
        var dirs = DefaultModelDirectories();
        foreach (var d in dirs)
            if (File.Exists(Path.Combine(d, NetworkFile)) && File.Exists(Path.Combine(d, PreprocessFile))) return d;
        throw new FileNotFoundException(
            $"The ResNet-18 featurizer model files are missing: expected {Path.Combine(dirs[0], NetworkFile)} and {Path.Combine(dirs[0], PreprocessFile)}"
            + (dirs.Count > 1 ? $" (also looked in {string.Join(", ", dirs.Skip(1))})" : "") + $". {WhereFrom}",
            Path.Combine(dirs[0], NetworkFile));
    }

    static InferenceSession Load(string path)
    {
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            // Idle worker threads sleep instead of spinning: on a busy shared machine spinning workers take cores from
            // the processes doing the work and slowed extraction down (bench/README.md).
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load this model file ({e.Message}).", e);
        }
    }

    static void Check(InferenceSession s, string path, long[] input, long[] output)
    {
        if (s.InputMetadata.Count != 1 || s.OutputMetadata.Count != 1)
            throw new InvalidDataException($"{path}: expected one input and one output, found {s.InputMetadata.Count} and {s.OutputMetadata.Count}.");
        var i = s.InputMetadata.Values.Single().Dimensions;
        var o = s.OutputMetadata.Values.Single().Dimensions;
        if (!i.Select(v => (long)v).SequenceEqual(input) || !o.Select(v => (long)v).SequenceEqual(output))
            throw new InvalidDataException($"{path}: expected input [{string.Join(", ", input)}] and output [{string.Join(", ", output)}], "
                + $"found [{string.Join(", ", i)}] and [{string.Join(", ", o)}]; this is not the ResNet-18 featurizer this code was written for.");
    }

    /// <summary>
    /// The 512 features of <paramref name="image"/> (resized to 224 x 224 first unless it already is). Deterministic:
    /// the same pixels give the same features on the same machine.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public double[] Extract(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var input = new float[3 * InputSize * InputSize];
        if (image.Width == InputSize && image.Height == InputSize) FillBgr(image, input);
        else
        {
            using var resized = image.Clone(ctx => ctx.Resize(new ResizeOptions
            {
                Size = new Size(InputSize, InputSize),
                Mode = ResizeMode.Stretch,
                Sampler = KnownResamplers.Triangle,
            }));
            FillBgr(resized, input);
        }
        using var inValue = OrtValue.CreateTensorValueFromMemory(input, InputShape);
        using var runOptions = new RunOptions();
        using var prepped = _preprocess.Run(runOptions, [_prepIn], [inValue], [_prepOut]);
        using var pooled = _network.Run(runOptions, [_netIn], [prepped[0]], [_netOut]);
        var span = pooled[0].GetTensorDataAsSpan<float>();
        var features = new double[Dimension];
        for (int k = 0; k < Dimension; k++) features[k] = span[k];
        return features;
    }

    /// <summary>The features of each image, in order (one network run per image: the model files fix the batch at 1).</summary>
    public List<double[]> Extract(IEnumerable<Image<Rgb24>> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var list = new List<double[]>();
        foreach (var image in images) list.Add(Extract(image));
        return list;
    }

    /// <summary>Planar B, G, R in 0-255: the order and range the CNTK-trained network and its mean image expect.</summary>
    static void FillBgr(Image<Rgb24> image, float[] input)
    {
        const int plane = InputSize * InputSize;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < InputSize; y++)
            {
                var row = rows.GetRowSpan(y);
                int o = y * InputSize;
                for (int x = 0; x < InputSize; x++)
                {
                    input[o + x] = row[x].B;
                    input[plane + o + x] = row[x].G;
                    input[2 * plane + o + x] = row[x].R;
                }
            }
        });
    }

    /// <summary>Releases both ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _preprocess.Dispose();
        _network.Dispose();
    }
}
