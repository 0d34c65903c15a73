using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Paired images stored side by side, A on the left half and B on the right, in DIR/train and DIR/test (the
/// pix2pix "aligned" layout). A and B of a sample share one crop and one flip, so they stay in register.
/// </summary>
public sealed class AlignedFolderDataset : FolderDataset
{
    /// <summary>The layout named in folder errors.</summary>
    public const string Layout = "DIR/train/*.png and DIR/test/*.png, each image A|B side by side (A left half, B right half)";

    readonly string[] _files;

    internal AlignedFolderDataset(string root, int size, FolderDatasetOptions options) : base(root, size, options)
    {
        Folder = Path.Combine(Root, options.Phase == DatasetPhase.Train ? "train" : "test");
        _files = Validate(ListImages(Folder, Layout), Folder,
            image => image.Width < 2 ? $"{image.Width} px wide: an aligned image needs A and B halves side by side" : null);
    }

    /// <summary>Full path of the split folder read (train/ or test/).</summary>
    public string Folder { get; }

    /// <summary>Full paths of the images used, in sample order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc/>
    public override int Count => _files.Length;

    /// <inheritdoc/>
    public override bool Paired => true;

    /// <inheritdoc/>
    private protected override ImagePair LoadAt(int index, uint augmentationSeed)
    {
        var halves = Stored(_files[index]);
        // Same draw indices for both halves: one crop, one flip per pair.
        var outA = Augment(halves[0], augmentationSeed, DrawCropX, DrawCropY, DrawFlip);
        var outB = Augment(halves[1], augmentationSeed, DrawCropX, DrawCropY, DrawFlip);
        return Options.Direction == TranslationDirection.AtoB ? new ImagePair(outA, outB) : new ImagePair(outB, outA);
    }

    /// <summary>The A (left) and B (right) halves.</summary>
    private protected override float[][] Parts(Image<Rgb24> image)
    {
        int half = image.Width / 2;
        return [ImageReader.RegionToChw(image, new Rectangle(0, 0, half, image.Height), StoredSize),
                ImageReader.RegionToChw(image, new Rectangle(half, 0, half, image.Height), StoredSize)];
    }
}
