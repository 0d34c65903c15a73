using System.Diagnostics;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Evaluation;

/// <summary>How a dataset folder's test split is laid out.</summary>
public enum DatasetLayout
{
    /// <summary>Decide from the folder: test/ means aligned, testA/ and testB/ unaligned.</summary>
    Auto,

    /// <summary>pix2pix: DIR/test/*.png, each image A|B side by side; each A is translated and compared with the B's.</summary>
    Aligned,

    /// <summary>CycleGAN: DIR/testA and DIR/testB; every A is translated and compared with every B as sets.</summary>
    Unaligned,
}

/// <summary>Settings of <see cref="GeneratorEvaluation.Evaluate"/>; every field has a default.</summary>
public sealed record EvaluationOptions
{
    /// <summary>
    /// Side length the generator runs at (sources and real targets are resized to it); null for the size the model
    /// was trained at when the model file records it (<c>image_size</c>), else 256 (see <see cref="Generator.Load(string, string, int?)"/>).
    /// </summary>
    public int? Size { get; init; }

    /// <summary>Test split layout; <see cref="DatasetLayout.Auto"/> decides from the folder.</summary>
    public DatasetLayout Layout { get; init; } = DatasetLayout.Auto;

    /// <summary>"AtoB" (default: translate A, compare with B) or "BtoA" (for a B-to-A generator).</summary>
    public string Direction { get; init; } = "AtoB";

    /// <summary>KID subsets.</summary>
    public int KidSubsets { get; init; } = KernelInceptionDistance.DefaultSubsets;

    /// <summary>KID subset size (capped at the smaller set).</summary>
    public int KidSubsetSize { get; init; } = KernelInceptionDistance.DefaultSubsetSize;

    /// <summary>Seed of the KID subset draws.</summary>
    public int Seed { get; init; } = KernelInceptionDistance.DefaultSeed;

    /// <summary>Folder holding the featurizer's model files; null to search next to the app (<see cref="ImageFeatures.Open"/>).</summary>
    public string? FeaturizerDirectory { get; init; }

    /// <summary>An open featurizer to reuse across evaluations (not disposed by the evaluation); null to open one.</summary>
    public ImageFeatures? Features { get; init; }

    /// <summary>Skip unreadable images with a warning instead of failing.</summary>
    public bool SkipBadImages { get; init; }

    /// <summary>Receives one line per phase and each warning; null for silence.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Draws of the test images for the 95% intervals of every score (0: no intervals): half-samples of the translated and
    /// of the real images for FID and KID, bootstrap resamples of the pairs for the per-image distances (see <see cref="Bootstrap"/>).
    /// </summary>
    public int BootstrapResamples { get; init; }

    /// <summary>Seed of the bootstrap resampling.</summary>
    public int BootstrapSeed { get; init; } = 1;
}

/// <summary>
/// What <see cref="GeneratorEvaluation.Evaluate"/> measured. FID (ResNet-18) and KID (ResNet-18) use ImageNet
/// ResNet-18 features and are NOT comparable with the Inception-v3 FID and KID published in papers.
/// </summary>
/// <param name="FidResNet18">FID (ResNet-18) between translated and real target images (0 = same feature Gaussians).</param>
/// <param name="KidResNet18Mean">KID (ResNet-18): mean unbiased MMD^2 over the subsets.</param>
/// <param name="KidResNet18Std">KID (ResNet-18): standard deviation over the subsets.</param>
/// <param name="KidSubsets">KID subsets drawn.</param>
/// <param name="KidSubsetSize">Images per set in each KID subset.</param>
/// <param name="Count">Images translated (source images of the test split).</param>
/// <param name="RealCount">Real target images compared with.</param>
/// <param name="Size">Side length the generator ran at.</param>
/// <param name="SizeSource">Where <paramref name="Size"/> came from: "option", "model file" (its recorded training size) or "default".</param>
/// <param name="Layout">The layout read.</param>
/// <param name="Data">The folders read.</param>
/// <param name="Seconds">Wall time of the whole evaluation, model and featurizer loading included.</param>
/// <param name="FeatureMsPerImage">Milliseconds per image of feature extraction (resize and both networks).</param>
/// <param name="TranslateMsPerImage">Milliseconds per image of the generator.</param>
public sealed record EvaluationResult(double FidResNet18, double KidResNet18Mean, double KidResNet18Std, int KidSubsets, int KidSubsetSize, int Count, int RealCount,
    int Size, string SizeSource, DatasetLayout Layout, string Data, double Seconds, double FeatureMsPerImage, double TranslateMsPerImage)
{
    /// <summary>FID (ResNet-18) with its bootstrap 95% interval; null without <see cref="EvaluationOptions.BootstrapResamples"/>.</summary>
    public Interval? Fid { get; init; }

    /// <summary>KID (ResNet-18) of the whole sets with its bootstrap 95% interval; null without resamples.</summary>
    public Interval? Kid { get; init; }

    /// <summary>Whether the split is paired (source i's true translation is target i), so the distances below exist.</summary>
    public bool Paired { get; init; }

    /// <summary>Mean L1 to the true target ([-1, 1] units); null for unpaired data. The interval is the value alone without resamples.</summary>
    public Interval? L1 { get; init; }

    /// <summary>Mean PSNR (dB, [0, 1] scale) to the true target; null for unpaired data.</summary>
    public Interval? Psnr { get; init; }

    /// <summary>Mean SSIM to the true target; null for unpaired data.</summary>
    public Interval? Ssim { get; init; }
}

/// <summary>
/// Scores a generator on a dataset's test split: every source image is translated, and the translations are compared
/// with the real target images as two sets by FID (ResNet-18) and KID (ResNet-18) on <see cref="ImageFeatures"/>.
/// </summary>
/// <remarks>
/// <para>The numbers use ImageNet ResNet-18 features, not Inception-v3: they rank models of this engine against each
/// other on the same data and size, and are NOT comparable with FIDs in papers. FID is biased upwards on small sets
/// (a few hundred images); prefer KID to compare small splits.</para>
/// <para>Sources and real targets are both resized (bicubic) to the model size, the translations and the targets are
/// quantised to 8-bit RGB, and both then go through the same 224-pixel resize, so only the generator differs between
/// the sets. Grayscale and RGBA files are decoded to RGB (transparency on white) as in training.</para>
/// <para>Thread-safe: each call opens its own device, model and, unless one is given, featurizer.</para>
/// </remarks>
public static class GeneratorEvaluation
{
    /// <summary>
    /// Translates the test split of <paramref name="dataDir"/> with the generator in <paramref name="modelFile"/> on
    /// <paramref name="device"/> and compares the results with the real targets. A generator from noise (DCGAN) is
    /// scored with <see cref="EvaluateFromNoise"/> instead (<see cref="NoiseSampleCount"/> images against those in <paramref name="dataDir"/>).
    /// </summary>
    /// <param name="modelFile">A generator model file (a run's compact.safetensors, or one written by Interchange.SaveModel).</param>
    /// <param name="dataDir">A dataset folder: test/ (aligned) or testA/ and testB/ (unaligned).</param>
    /// <param name="device">Where the generator runs: auto, cpu, cuda, opencl, ilgpu-cpu (features always run on the CPU).</param>
    /// <param name="options">Size, layout, KID settings; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The model file, or a featurizer model file, is missing (named).</exception>
    /// <exception cref="InvalidDataException">The model file is not a CoroNetGAN model file (e.g. foreign safetensors), or its generator is not RGB to RGB.</exception>
    /// <exception cref="DatasetFolderException">The folder is missing, holds no test split, or a split holds no images (named).</exception>
    /// <exception cref="BadImageException">An image cannot be decoded (named), unless skipping is on.</exception>
    /// <exception cref="ArgumentException">The file holds a discriminator, a bad option (device, a size the architecture cannot take,
    /// direction), or a test split of fewer than 2 images.</exception>
    public static EvaluationResult Evaluate(string modelFile, string dataDir, string device = "auto", EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(dataDir);
        options ??= new EvaluationOptions();
        // A generator from noise has no test split to translate: it is scored against the images in the folder.
        if (NoiseSampler.IsNoiseModel(modelFile)) return EvaluateFromNoise(modelFile, dataDir, device, NoiseSampleCount, options);
        var log = options.Log ?? (_ => { });
        var total = Stopwatch.StartNew();

        using var generator = OpenGenerator(modelFile, device, options.Size, out string sizeSource);
        return Score(generator.Translate, generator.ImageSize, sizeSource, dataDir, options, total);
    }

    /// <summary>
    /// The identity baseline: scores the test split's source images themselves (output = input) against the real
    /// targets, at <see cref="EvaluationOptions.Size"/> (256 when unset). A generator that does not beat this has learnt
    /// nothing about the target domain.
    /// </summary>
    /// <param name="dataDir">A dataset folder: test/ (aligned) or testA/ and testB/ (unaligned).</param>
    /// <param name="options">Size, layout, KID settings; null for the defaults.</param>
    /// <exception cref="DatasetFolderException">The folder is missing, holds no test split, or a split holds no images (named).</exception>
    /// <exception cref="BadImageException">An image cannot be decoded (named), unless skipping is on.</exception>
    /// <exception cref="ArgumentException">A bad option, or a test split of fewer than 2 images.</exception>
    public static EvaluationResult EvaluateIdentity(string dataDir, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        options ??= new EvaluationOptions();
        return Score((batch, n, h, w) => batch.ToArray(), options.Size ?? 256, options.Size != null ? "option" : "default", dataDir, options, Stopwatch.StartNew());
    }

    /// <summary>
    /// Scores a generator from noise (a dcgan run's compact.safetensors): <paramref name="count"/> images drawn from noise
    /// (seed <see cref="EvaluationOptions.Seed"/>) against the images directly in <paramref name="imageFolder"/> (the
    /// training images), resized to the generator's size: FID and KID on ResNet-18 features.
    /// </summary>
    /// <exception cref="FileNotFoundException">The model file, or a featurizer model file, is missing (named).</exception>
    /// <exception cref="ArgumentException">The file holds no generator from noise, or fewer than 2 images on a side.</exception>
    /// <exception cref="DatasetFolderException">The folder is missing or holds no images (named).</exception>
    public static EvaluationResult EvaluateFromNoise(string modelFile, string imageFolder, string device = "auto", int count = 256, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(imageFolder);
        options ??= new EvaluationOptions();
        if (count < 2) throw new ArgumentException($"FID and KID need at least 2 generated images, got {count}.");
        var total = Stopwatch.StartNew();
        using var dev = Devices.Open(device);
        using var sampler = NoiseSampler.Load(modelFile, dev);
        int size = sampler.ImageSize, plane = 3 * size * size;
        var real = Datasets.Open(imageFolder, "dcgan", size, "test", options.SkipBadImages, warning: options.Log);
        if (real.Count < 2) throw new ArgumentException($"{imageFolder}: FID and KID need at least 2 real images, found {real.Count}.");
        ImageFeatures? owned = options.Features == null ? ImageFeatures.Open(options.FeaturizerDirectory) : null;
        try
        {
            var features = options.Features ?? owned!;
            double[] Featurize(ReadOnlySpan<float> chw)
            {
                using var image = ImageIO.ToImage(chw, size, size);
                return features.Extract(image);
            }
            var fake = new List<double[]>(count);
            var generate = Stopwatch.StartNew();
            for (int start = 0; start < count; start += TranslateBatch)
            {
                int n = Math.Min(TranslateBatch, count - start);
                var images = sampler.Sample(n, options.Seed + start);
                for (int i = 0; i < n; i++) fake.Add(Featurize(images.AsSpan(i * plane, plane)));
            }
            var realFeatures = Enumerable.Range(0, real.Count).Select(i => Featurize(real.Load(i, 0).A)).ToList();
            double fid = FrechetDistance.Compute(fake, realFeatures);
            var kid = KernelInceptionDistance.Compute(fake, realFeatures, options.KidSubsets, options.KidSubsetSize, options.Seed);
            return new EvaluationResult(fid, kid.Mean, kid.Std, kid.Subsets, kid.SubsetSize, fake.Count, realFeatures.Count, size, "model",
                DatasetLayout.Auto, $"{count} images from noise vs the images in {Path.GetFullPath(imageFolder)}", total.Elapsed.TotalSeconds,
                0, generate.Elapsed.TotalMilliseconds / count);
        }
        finally { owned?.Dispose(); }
    }

    delegate float[] Translator(ReadOnlySpan<float> batch, int n, int height, int width);

    static EvaluationResult Score(Translator translate, int size, string sizeSource, string dataDir, EvaluationOptions options, Stopwatch total)
    {
        var log = options.Log ?? (_ => { });
        var data = EvaluationData.Open(dataDir, options.Layout, size, options.Direction, options.SkipBadImages, log);
        if (data.SourceCount < 2 || data.TargetCount < 2)
            throw new ArgumentException($"{data.Description}: FID and KID need at least 2 images on each side, found {data.SourceCount} and {data.TargetCount}.");
        log($"data: {data.Description}: {data.SourceCount} source and {data.TargetCount} target images at {size} px (size from {sizeSource})");

        ImageFeatures? owned = options.Features == null ? ImageFeatures.Open(options.FeaturizerDirectory) : null;
        try
        {
            var features = options.Features ?? owned!;
            var featureTime = new Stopwatch();
            var translateTime = new Stopwatch();
            double[] Featurize(ReadOnlySpan<float> chw)
            {
                featureTime.Start();
                try
                {
                    using var image = ImageIO.ToImage(chw, size, size);
                    return features.Extract(image);
                }
                finally { featureTime.Stop(); }
            }

            int plane = 3 * size * size;
            var fake = new List<double[]>(data.SourceCount);
            var l1 = new List<double>();
            var psnr = new List<double>();
            var ssim = new List<double>();
            for (int start = 0; start < data.SourceCount; start += TranslateBatch)
            {
                int n = Math.Min(TranslateBatch, data.SourceCount - start);
                var batch = new float[n * plane];
                for (int i = 0; i < n; i++) data.Source(start + i).CopyTo(batch, i * plane);
                translateTime.Start();
                var output = translate(batch, n, size, size);
                translateTime.Stop();
                for (int i = 0; i < n; i++)
                {
                    var y = output.AsSpan(i * plane, plane);
                    fake.Add(Featurize(y));
                    if (!data.Paired) continue;
                    var t = data.Target(start + i);
                    l1.Add(ImageMetrics.L1(y, t));
                    psnr.Add(ImageMetrics.Psnr(y, t));
                    ssim.Add(ImageMetrics.Ssim(y, t, 3, size, size));
                }
            }
            log($"translated {fake.Count} images ({translateTime.Elapsed.TotalMilliseconds / fake.Count:F1} ms per image)");
            var real = new List<double[]>(data.TargetCount);
            for (int i = 0; i < data.TargetCount; i++) real.Add(Featurize(data.Target(i)));
            double msPerFeature = featureTime.Elapsed.TotalMilliseconds / (fake.Count + real.Count);
            log($"features of {fake.Count + real.Count} images ({msPerFeature:F1} ms per image)");

            double fid = FrechetDistance.Compute(fake, real);
            var kid = KernelInceptionDistance.Compute(fake, real, options.KidSubsets, options.KidSubsetSize, options.Seed);
            int resamples = options.BootstrapResamples;
            bool paired = data.Paired && fake.Count == real.Count;
            Interval? fidInterval = null, kidInterval = null;
            if (resamples > 0)
            {
                static List<double[]> Pick(List<double[]> set, int[] idx) => idx.Select(i => set[i]).ToList();
                // FID and KID compare sets: each is half-sampled on its own (see Bootstrap for why not resampled).
                fidInterval = Bootstrap.Halves(fake.Count, real.Count, (ia, ib) => FrechetDistance.Compute(Pick(fake, ia), Pick(real, ib)), resamples, options.BootstrapSeed);
                kidInterval = KernelInceptionDistance.BootstrapInterval(fake, real, resamples, options.BootstrapSeed);
                log($"bootstrap: {resamples} resamples of the test images for the 95% intervals");
            }
            Interval? Mean(List<double> values) => !paired || values.Count < 2 ? null
                : resamples > 0 ? Bootstrap.Resample(values.Count, idx => idx.Average(i => values[i]), resamples, options.BootstrapSeed)
                : new Interval(values.Average(), values.Average(), values.Average(), 0.95, 0);
            return new EvaluationResult(fid, kid.Mean, kid.Std, kid.Subsets, kid.SubsetSize, fake.Count, real.Count, size, sizeSource,
                data.Layout, data.Description, total.Elapsed.TotalSeconds, msPerFeature, translateTime.Elapsed.TotalMilliseconds / fake.Count)
            {
                Fid = fidInterval, Kid = kidInterval, Paired = paired, L1 = Mean(l1), Psnr = Mean(psnr.Select(p => Math.Min(p, 100)).ToList()), Ssim = Mean(ssim),
            };
        }
        finally
        {
            owned?.Dispose();
        }
    }

    /// <summary>Images <see cref="Evaluate"/> draws from a generator from noise.</summary>
    public const int NoiseSampleCount = 256;

    /// <summary>Images per generator forward pass.</summary>
    const int TranslateBatch = 8;

    /// <summary>Loads the generator at the requested size (else the trained size the file records, else the default) and
    /// refuses one that does not map RGB to RGB.</summary>
    static Generator OpenGenerator(string modelFile, string device, int? size, out string sizeSource)
    {
        var generator = Generator.Load(modelFile, device, size);
        try
        {
            if (generator.InputChannels != 3 || generator.OutputChannels != 3)
                throw new InvalidDataException(
                    $"{Path.GetFullPath(modelFile)}: the generator maps {generator.InputChannels}-channel images to {generator.OutputChannels}-channel "
                    + "images, but evaluation feeds it RGB images (every file is decoded to 3 channels: grayscale is replicated, transparency "
                    + "composited on white) and compares RGB outputs; only 3-channel to 3-channel generators can be evaluated.");
            sizeSource = size != null ? "option" : ModelFile.ReadImageSize(modelFile) != null ? "model file" : "default";
            return generator;
        }
        catch
        {
            generator.Dispose();
            throw;
        }
    }
}
