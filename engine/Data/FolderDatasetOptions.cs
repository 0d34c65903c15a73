namespace CoroNetGAN.Engine.Data;

/// <summary>Which split of a dataset folder to read.</summary>
public enum DatasetPhase
{
    /// <summary>train/ (aligned) or trainA/, trainB/ (unaligned), with random crop and flip.</summary>
    Train,

    /// <summary>test/ (aligned) or testA/, testB/ (unaligned), resized to the sample size with no crop or flip.</summary>
    Test,
}

/// <summary>Which side of a pair is the source.</summary>
public enum TranslationDirection
{
    /// <summary>A is the source and B the target.</summary>
    AtoB,

    /// <summary>B is the source and A the target.</summary>
    BtoA,
}

/// <summary>How a <see cref="FolderDataset"/> reads and augments its images (pytorch-CycleGAN-and-pix2pix semantics).</summary>
public sealed record FolderDatasetOptions
{
    /// <summary>Split to read.</summary>
    public DatasetPhase Phase { get; init; } = DatasetPhase.Train;

    /// <summary>Side length images are resized to before the random crop; null means Size * 286 / 256, rounded.</summary>
    public int? LoadSize { get; init; }

    /// <summary>Random crop from LoadSize to Size in training; when false, images are resized straight to Size.</summary>
    public bool RandomCrop { get; init; } = true;

    /// <summary>Random horizontal flip in training.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Source/target direction.</summary>
    public TranslationDirection Direction { get; init; } = TranslationDirection.AtoB;

    /// <summary>Skip bad files with a warning instead of refusing the whole dataset.</summary>
    public bool SkipBadImages { get; init; }

    /// <summary>Decoder limits.</summary>
    public ImageLimits Limits { get; init; } = ImageLimits.Default;

    /// <summary>Memory for decoded images kept between epochs, in MiB; 0 turns the cache off.</summary>
    public int CacheMegabytes { get; init; } = 256;

    /// <summary>
    /// Called with each warning as it is raised (a skipped file, by full path), before the dataset is returned;
    /// the same text also lands in <see cref="FolderDataset.Warnings"/>.
    /// </summary>
    public Action<string>? Warning { get; init; }

    /// <summary>The load size used for <paramref name="size"/>: <see cref="LoadSize"/> or size * 286 / 256 rounded.</summary>
    public int LoadSizeFor(int size) => LoadSize ?? (int)Math.Round(size * 286.0 / 256.0, MidpointRounding.AwayFromZero);
}
