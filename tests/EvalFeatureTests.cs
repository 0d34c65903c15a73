using System.Diagnostics;
using CoroNetGAN.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit.Abstractions;

namespace CoroNetGAN.Tests;

/// <summary>One featurizer for the whole class (loading the 64 MB network takes about half a second).</summary>
public sealed class FeaturizerFixture : IDisposable
{
    public ImageFeatures Features { get; } = ImageFeatures.Open();

    public void Dispose() => Features.Dispose();
}

/// <summary>The ResNet-18 featurizer through ONNX Runtime, and FID (ResNet-18) and KID (ResNet-18) on real images.</summary>
public class EvalFeatureTests(FeaturizerFixture fixture, ITestOutputHelper output) : IClassFixture<FeaturizerFixture>
{
    readonly ImageFeatures _features = fixture.Features;

    /// <summary>The B halves (64 x 64) of the first <paramref name="n"/> demo pix2pix test images: fresh, varied RGB images.</summary>
    static List<Image<Rgb24>> DemoImages(int n)
    {
        string dir = Path.Combine(SharedFiles.RepoRoot, "data", "openmoji-pairs", "test");
        var files = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).Take(n).ToList();
        Assert.Equal(n, files.Count);
        return files.Select(f =>
        {
            var img = Image.Load<Rgb24>(f);
            img.Mutate(c => c.Crop(new Rectangle(img.Width / 2, 0, img.Width / 2, img.Height)));
            return img;
        }).ToList();
    }

    static Image<Rgb24> WithNoise(Image<Rgb24> image, double sigma, Random r)
    {
        var noisy = image.Clone();
        noisy.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    byte N(byte v)
                    {
                        double g = Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
                        return (byte)Math.Clamp(Math.Round(v + sigma * g), 0, 255);
                    }
                    row[x] = new Rgb24(N(row[x].R), N(row[x].G), N(row[x].B));
                }
            }
        });
        return noisy;
    }

    [Fact]
    public void FeaturesAre512DimensionalFiniteAndDeterministic()
    {
        var images = DemoImages(3);
        try
        {
            var f0 = _features.Extract(images[0]);
            Assert.Equal(ImageFeatures.Dimension, f0.Length);
            Assert.All(f0, v => Assert.True(double.IsFinite(v)));
            Assert.Contains(f0, v => v != 0);
            Assert.Equal(f0, _features.Extract(images[0]));
            using (var again = ImageFeatures.Open())
                Assert.Equal(f0, again.Extract(images[0]));
            Assert.NotEqual(f0, _features.Extract(images[1]));
            // Concurrent extraction gives the same numbers as one at a time.
            var serial = images.Select(_features.Extract).ToArray();
            var parallel = new double[images.Count][];
            Parallel.For(0, images.Count, i => parallel[i] = _features.Extract(images[i]));
            for (int i = 0; i < images.Count; i++) Assert.Equal(serial[i], parallel[i]);
            // A 224 x 224 image skips the resize; a resized copy of the same image lands close but not necessarily equal.
            using var exact = images[0].Clone(c => c.Resize(ImageFeatures.InputSize, ImageFeatures.InputSize, KnownResamplers.Triangle));
            Assert.Equal(f0, _features.Extract(exact));
        }
        finally { images.ForEach(i => i.Dispose()); }
    }

    [Fact]
    public void FidAndKidAreZeroForIdenticalSetsAndGrowWithNoise()
    {
        const int n = 24;
        var clean = DemoImages(n);
        try
        {
            var cleanFeatures = _features.Extract(clean);
            double fidSame = FrechetDistance.Compute(cleanFeatures, cleanFeatures.Select(f => (double[])f.Clone()).ToList());
            var kidSame = KernelInceptionDistance.Compute(cleanFeatures, cleanFeatures);
            output.WriteLine($"identical sets ({n} images): FID (ResNet-18) {fidSame:E3}, KID (ResNet-18) {kidSame.Mean:E3}");
            // Same pixels give the same features (checked above), so only the eigen-solver's rounding remains.
            Assert.InRange(fidSame, 0, 1e-6);

            double lastFid = fidSame, lastKid = kidSame.Mean;
            var r = new Random(7);
            foreach (double sigma in new[] { 4.0, 16, 64 })
            {
                var noisy = clean.Select(i => WithNoise(i, sigma, r)).ToList();
                var noisyFeatures = _features.Extract(noisy);
                noisy.ForEach(i => i.Dispose());
                double fid = FrechetDistance.Compute(cleanFeatures, noisyFeatures);
                var kid = KernelInceptionDistance.Compute(cleanFeatures, noisyFeatures);
                output.WriteLine($"sigma {sigma,3} (of 255): FID (ResNet-18) {fid:F3}, KID (ResNet-18) {kid.Mean:F5} ± {kid.Std:F5}");
                Assert.True(fid > lastFid, $"FID at sigma {sigma}: {fid} <= {lastFid}");
                Assert.True(kid.Mean > lastKid, $"KID at sigma {sigma}: {kid.Mean} <= {lastKid}");
                lastFid = fid;
                lastKid = kid.Mean;
            }
        }
        finally { clean.ForEach(i => i.Dispose()); }
    }

    [Fact]
    public void MissingModelFilesAreNamed()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"no-featurizer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => ImageFeatures.Open(dir));
            Assert.Contains(Path.Combine(dir, ImageFeatures.PreprocessFile), e.Message);
            Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18", e.Message);

            // A file that is not an ONNX model is named too.
            Directory.CreateDirectory(Path.Combine(dir, "ResNetPrepOnnx"));
            Directory.CreateDirectory(Path.Combine(dir, "ResNet18Onnx"));
            File.Copy(Path.Combine(_features.ModelDirectory, ImageFeatures.PreprocessFile), Path.Combine(dir, ImageFeatures.PreprocessFile));
            File.WriteAllText(Path.Combine(dir, ImageFeatures.NetworkFile), "not a model");
            var bad = Assert.Throws<InvalidDataException>(() => ImageFeatures.Open(dir));
            Assert.Contains(Path.Combine(dir, ImageFeatures.NetworkFile), bad.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ModelFilesAreFoundNextToTheApp()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, ImageFeatures.ModelFolderName), _features.ModelDirectory.TrimEnd(Path.DirectorySeparatorChar));
        Assert.True(File.Exists(Path.Combine(_features.ModelDirectory, ImageFeatures.NetworkFile)));
    }
}

/// <summary>The package's build file that copies the featurizer's model files into apps names the version we restore.</summary>
public class EvalPackagingTests
{
    [Fact]
    public void TheTargetsFileNamesTheCentralFeaturizerVersion()
    {
        string root = SharedFiles.RepoRoot;
        var central = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Packages.props"));
        string version = central.Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.DnnImageFeaturizer.ResNet18").Attribute("Version")!.Value;
        string targets = File.ReadAllText(Path.Combine(root, "bindings", "Evaluation", "buildTransitive", "CoroNetGAN.Evaluation.targets"));
        Assert.Contains($"microsoft.ml.dnnimagefeaturizer.resnet18/{version}<", targets);
    }
}
