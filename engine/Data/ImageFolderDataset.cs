namespace CoroNetGAN.Engine.Data;

/// <summary>
/// The images directly in one folder, one domain, for a generator from noise (DCGAN): sample i is image i (cropped and
/// flipped in training) as A; B is the same image, so code that reads both sides reads real images. Not paired.
/// </summary>
public sealed class ImageFolderDataset : FolderDataset
{
    /// <summary>The layout named in folder errors.</summary>
    public const string Layout = "DIR holding the training images directly";

    readonly string[] _files;

    internal ImageFolderDataset(string folder, int size, FolderDatasetOptions options) : base(folder, size, options)
    {
        _files = Validate(ListImages(Root, Layout), Root);
    }

    /// <summary>Opens the images of <paramref name="folder"/>, validating every file.</summary>
    /// <exception cref="DatasetFolderException">The folder is missing or holds no images.</exception>
    /// <exception cref="BadImageException">A file is bad and <see cref="FolderDatasetOptions.SkipBadImages"/> is off.</exception>
    public static ImageFolderDataset Open(string folder, int size, FolderDatasetOptions? options = null) => new(folder, size, options ?? new FolderDatasetOptions());

    /// <summary>The files in order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc/>
    public override int Count => _files.Length;

    /// <inheritdoc/>
    public override bool Paired => false;

    /// <inheritdoc/>
    private protected override ImagePair LoadAt(int index, uint augmentationSeed)
    {
        var a = Augment(Stored(_files[index])[0], augmentationSeed, DrawCropX, DrawCropY, DrawFlip);
        return new ImagePair(a, a);
    }
}
