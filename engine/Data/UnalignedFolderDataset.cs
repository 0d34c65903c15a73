using CoroNetGAN.Kernels;

namespace CoroNetGAN.Engine.Data;

/// <summary>
/// Two unpaired domains in DIR/trainA and DIR/trainB (DIR/testA, DIR/testB for test), the CycleGAN "unaligned"
/// layout. Sample i takes A[i mod |A|] and, in training, B at a hashed index, so B is not tied to A.
/// </summary>
public sealed class UnalignedFolderDataset : FolderDataset
{
    /// <summary>The layout named in folder errors.</summary>
    public const string Layout = "DIR/trainA, DIR/trainB, DIR/testA and DIR/testB, each holding images of one domain";

    readonly string[] _a, _b;

    internal UnalignedFolderDataset(string root, int size, FolderDatasetOptions options) : base(root, size, options)
    {
        string phase = options.Phase == DatasetPhase.Train ? "train" : "test";
        // BtoA swaps the domains wholesale, so Count and the A-index rule follow the source domain.
        bool swap = options.Direction == TranslationDirection.BtoA;
        FolderA = Path.Combine(Root, phase + (swap ? "B" : "A"));
        FolderB = Path.Combine(Root, phase + (swap ? "A" : "B"));
        var listedA = ListImages(FolderA, Layout);
        var listedB = ListImages(FolderB, Layout);
        _a = Validate(listedA, FolderA);
        _b = Validate(listedB, FolderB);
    }

    /// <summary>Full path of the source-domain folder.</summary>
    public string FolderA { get; }

    /// <summary>Full path of the target-domain folder.</summary>
    public string FolderB { get; }

    /// <summary>Source-domain files in order.</summary>
    public IReadOnlyList<string> FilesA => _a;

    /// <summary>Target-domain files in order.</summary>
    public IReadOnlyList<string> FilesB => _b;

    /// <summary>The larger domain, as in pytorch-CycleGAN-and-pix2pix.</summary>
    public override int Count => Math.Max(_a.Length, _b.Length);

    /// <inheritdoc/>
    public override bool Paired => false;

    /// <inheritdoc/>
    private protected override ImagePair LoadAt(int index, uint augmentationSeed)
    {
        string pathA = _a[index % _a.Length];
        // Test pairs B serially so an evaluation sees a fixed set; training draws B from the seed and the index.
        int ib = Training ? (int)(RandomHash.Hash(augmentationSeed ^ (uint)index, DrawIndexB) % (uint)_b.Length) : index % _b.Length;
        var a = Augment(Stored(pathA)[0], augmentationSeed, DrawCropX, DrawCropY, DrawFlip);
        var b = Augment(Stored(_b[ib])[0], augmentationSeed, DrawCropXB, DrawCropYB, DrawFlipB);
        return new ImagePair(a, b);
    }
}
