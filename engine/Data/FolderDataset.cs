using System.Collections.Concurrent;
using CoroNetGAN.Kernels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Base of the folder datasets: listing and validating files, the bounded decode cache, and the crop/flip drawn
/// from the augmentation seed. Open one with <see cref="OpenAligned"/> or <see cref="OpenUnaligned"/>.
/// </summary>
public abstract class FolderDataset : IImageDataset
{
    // Hash indices of the augmentation draws; fixed so that a sample's crop never depends on which fields exist.
    private protected const uint DrawCropX = 0, DrawCropY = 1, DrawFlip = 2, DrawCropXB = 3, DrawCropYB = 4, DrawFlipB = 5, DrawIndexB = 6;

    readonly List<string> _warnings = [];
    readonly ConcurrentDictionary<string, float[][]> _cache = new();
    readonly long _cacheBudget;
    long _cacheBytes;
    readonly SixLabors.ImageSharp.Configuration _cfg;

    private protected FolderDataset(string root, int size, FolderDatasetOptions options)
    {
        if (size < 1) throw new ArgumentException($"size must be at least 1, got {size}.");
        Root = Path.GetFullPath(root);
        Size = size;
        Options = options;
        StoredSize = options.Phase == DatasetPhase.Train && options.RandomCrop ? options.LoadSizeFor(size) : size;
        ImageLimits.CheckSize(size, "the image size (TrainOptions.Size)");
        ImageLimits.CheckSize(StoredSize, $"the load size ({nameof(FolderDatasetOptions)}.{nameof(FolderDatasetOptions.LoadSize)})");
        if (StoredSize < size) throw new ArgumentException($"load size {StoredSize} is smaller than the crop size {size}.");
        _cfg = options.Limits.CreateConfiguration();
        _cacheBudget = (long)options.CacheMegabytes << 20;
    }

    /// <summary>Opens an aligned dataset (DIR/train or DIR/test holding A|B side by side), validating every file.</summary>
    /// <exception cref="DatasetFolderException">The folder is missing or holds no images.</exception>
    /// <exception cref="BadImageException">A file is bad and <see cref="FolderDatasetOptions.SkipBadImages"/> is off.</exception>
    public static AlignedFolderDataset OpenAligned(string root, int size, FolderDatasetOptions? options = null)
        => new(root, size, options ?? new FolderDatasetOptions());

    /// <summary>Opens an unaligned dataset (DIR/trainA and trainB, or testA and testB), validating every file.</summary>
    /// <exception cref="DatasetFolderException">A folder is missing or holds no images.</exception>
    /// <exception cref="BadImageException">A file is bad and <see cref="FolderDatasetOptions.SkipBadImages"/> is off.</exception>
    public static UnalignedFolderDataset OpenUnaligned(string root, int size, FolderDatasetOptions? options = null)
        => new(root, size, options ?? new FolderDatasetOptions());

    /// <summary>Full path of the dataset folder.</summary>
    public string Root { get; }

    /// <summary>The options it was opened with.</summary>
    public FolderDatasetOptions Options { get; }

    /// <inheritdoc/>
    public abstract int Count { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public abstract bool Paired { get; }

    /// <summary>Warnings raised while opening (each skipped file by full path and reason).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Side length images are stored at before cropping: the load size in training, else the sample size.</summary>
    private protected int StoredSize { get; }

    /// <inheritdoc/>
    public ImagePair Load(int index, uint augmentationSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return LoadAt(index, augmentationSeed);
    }

    /// <summary>Sample <paramref name="index"/>, already checked to be in [0, <see cref="Count"/>).</summary>
    private protected abstract ImagePair LoadAt(int index, uint augmentationSeed);

    private protected bool Training => Options.Phase == DatasetPhase.Train;

    /// <summary>Image files of <paramref name="folder"/>, sorted by ordinal name so every machine sees the same order.</summary>
    private protected static string[] ListImages(string folder, string layout)
    {
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new DatasetFolderException(folder, $"Dataset folder {folder} does not exist. Expected layout: {layout}.");
        var files = Directory.EnumerateFiles(folder).Where(ImageReader.IsImageName).ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
            throw new DatasetFolderException(folder, $"Dataset folder {folder} holds no images ({string.Join(", ", ImageReader.Extensions)}). Expected layout: {layout}.");
        return files;
    }

    /// <summary>
    /// Decodes every file once, so that a bad one stops the run before training instead of hours into it; each file's
    /// <see cref="Parts"/> fill the cache. Returns the usable files in their original order.
    /// </summary>
    /// <param name="files">The listed files (<see cref="ListImages"/>).</param>
    /// <param name="folder">Their folder, for the message when none is usable.</param>
    /// <param name="check">Why a decoded image does not fit the layout; null when it does.</param>
    private protected string[] Validate(string[] files, string folder, Func<Image<Rgb24>, string?>? check = null)
    {
        var errors = new BadImageException?[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            try
            {
                using var image = ImageReader.Decode(files[i], Options.Limits, _cfg);
                string? problem = check?.Invoke(image);
                if (problem != null) throw new BadImageException(files[i], problem);
                Remember(files[i], Parts(image));
            }
            catch (BadImageException e) { errors[i] = e; }
        });
        var good = new List<string>(files.Length);
        for (int i = 0; i < files.Length; i++)
        {
            if (errors[i] is not { } e) { good.Add(files[i]); continue; }
            if (!Options.SkipBadImages) throw e;
            string w = $"Skipped {e.FilePath}: {e.Reason}";
            _warnings.Add(w);
            Options.Warning?.Invoke(w);
        }
        if (good.Count == 0)
            throw new DatasetFolderException(Path.GetFullPath(folder), $"Dataset folder {Path.GetFullPath(folder)} holds no usable images: all {files.Length} were skipped.");
        return [.. good];
    }

    /// <summary>Decodes <paramref name="path"/> for a load that missed the cache.</summary>
    Image<Rgb24> Decode(string path) => ImageReader.Decode(path, Options.Limits, _cfg);

    /// <summary>
    /// The stored CHW images one file holds, at <see cref="StoredSize"/>: the whole image, or in a layout that packs
    /// more than one image in a file (A|B side by side) each of them.
    /// </summary>
    private protected virtual float[][] Parts(Image<Rgb24> image) => [ImageReader.RegionToChw(image, image.Bounds(), StoredSize)];

    /// <summary>The <see cref="Parts"/> of <paramref name="path"/>, from the cache or decoded again.</summary>
    private protected float[][] Stored(string path)
    {
        if (_cache.TryGetValue(path, out var parts)) return parts;
        using var image = Decode(path);
        return Parts(image);
    }

    /// <summary>Keeps a file's parts while the budget lasts; past it, later loads decode again (no eviction needed for a fixed file set).</summary>
    void Remember(string path, float[][] parts)
    {
        long bytes = parts.Sum(p => (long)p.Length) * sizeof(float);
        if (Interlocked.Add(ref _cacheBytes, bytes) > _cacheBudget) { Interlocked.Add(ref _cacheBytes, -bytes); return; }
        if (!_cache.TryAdd(path, parts)) Interlocked.Add(ref _cacheBytes, -bytes);
    }

    /// <summary>
    /// Crops a Size x Size window out of a stored CHW image and maybe mirrors it, all drawn from the seed at the
    /// given hash indices; in test, or with crop off, the stored image already has the sample size.
    /// </summary>
    private protected float[] Augment(float[] stored, uint seed, uint drawX, uint drawY, uint drawFlip)
    {
        int s = Size, n = StoredSize, span = n - s + 1;
        int x0 = 0, y0 = 0;
        bool flip = false;
        if (Training)
        {
            if (span > 1)
            {
                x0 = (int)(RandomHash.Hash(seed, drawX) % (uint)span);
                y0 = (int)(RandomHash.Hash(seed, drawY) % (uint)span);
            }
            flip = Options.Flip && RandomHash.Uniform(seed, drawFlip) < 0.5f;
        }
        if (n == s && !flip) return (float[])stored.Clone();
        var outp = new float[3 * s * s];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < s; y++)
            {
                int src = c * n * n + (y0 + y) * n + x0, dst = c * s * s + y * s;
                if (!flip) Array.Copy(stored, src, outp, dst, s);
                else for (int x = 0; x < s; x++) outp[dst + x] = stored[src + s - 1 - x];
            }
        return outp;
    }
}
