using CoroNetGAN.Engine.Data;

namespace CoroNetGAN.Evaluation;

/// <summary>The test split of a dataset folder as source images to translate and real target images to compare with.</summary>
internal sealed class EvaluationData
{
    EvaluationData(DatasetLayout layout, string description, int sources, int targets, Func<int, float[]> source, Func<int, float[]> target, bool paired)
    {
        Paired = paired;
        Layout = layout;
        Description = description;
        SourceCount = sources;
        TargetCount = targets;
        Source = source;
        Target = target;
    }

    public DatasetLayout Layout { get; }

    /// <summary>Whether source i and target i are one example (aligned data, or unaligned folders whose file names match
    /// one to one), so per-image distances to the true target mean something.</summary>
    public bool Paired { get; }

    /// <summary>What was read, for messages ("test/ (aligned A|B)").</summary>
    public string Description { get; }

    public int SourceCount { get; }

    public int TargetCount { get; }

    /// <summary>Source image i as CHW in [-1, 1] at the model size.</summary>
    public Func<int, float[]> Source { get; }

    /// <summary>Target image i as CHW in [-1, 1] at the model size.</summary>
    public Func<int, float[]> Target { get; }

    /// <summary>The layout <paramref name="dir"/> holds: aligned with test/, unaligned with testA/ and testB/.</summary>
    /// <exception cref="DatasetFolderException">The folder is missing, holds neither layout, or both.</exception>
    public static DatasetLayout Detect(string dir)
    {
        string full = Path.GetFullPath(dir);
        if (!Directory.Exists(full)) throw new DatasetFolderException(full, $"Dataset folder {full} does not exist. {Expected}");
        bool aligned = Directory.Exists(Path.Combine(full, "test"));
        bool unaligned = Directory.Exists(Path.Combine(full, "testA")) || Directory.Exists(Path.Combine(full, "testB"));
        return (aligned, unaligned) switch
        {
            (true, false) => DatasetLayout.Aligned,
            (false, true) => DatasetLayout.Unaligned,
            (true, true) => throw new DatasetFolderException(full,
                $"Dataset folder {full} holds both test/ and testA/ or testB/: choose the layout (aligned or unaligned)."),
            _ => throw new DatasetFolderException(full, $"Dataset folder {full} holds no test split. {Expected}"),
        };
    }

    const string Expected = "Expected test/ with A|B images side by side (aligned, pix2pix) or testA/ and testB/ (unaligned, CycleGAN).";

    /// <summary>Opens the test split, decoding and checking every image (a bad one is named by path).</summary>
    public static EvaluationData Open(string dir, DatasetLayout layout, int size, string direction, bool skipBadImages, Action<string>? warning)
    {
        if (layout == DatasetLayout.Auto) layout = Detect(dir);
        if (layout == DatasetLayout.Aligned)
        {
            var data = (AlignedFolderDataset)Datasets.Open(dir, "pix2pix", size, "test", skipBadImages, direction, warning: warning);
            return new EvaluationData(layout, $"{data.Folder} (aligned, A|B side by side, {direction})", data.Count, data.Count,
                i => data.Load(i, 0).A, i => data.Load(i, 0).B, paired: true);
        }
        var un = (UnalignedFolderDataset)Datasets.Open(dir, "cyclegan", size, "test", skipBadImages, direction, warning: warning);
        // Test sample i pairs source i mod |source| with target i mod |target|: the first |source| samples visit every
        // source once, the first |target| every target once.
        bool named = un.FilesA.Select(Path.GetFileNameWithoutExtension).SequenceEqual(un.FilesB.Select(Path.GetFileNameWithoutExtension), StringComparer.Ordinal);
        return new EvaluationData(layout, $"{un.FolderA} -> {un.FolderB} (unaligned{(named ? ", pairs by file name" : "")})", un.FilesA.Count, un.FilesB.Count,
            i => un.Load(i, 0).A, i => un.Load(i, 0).B, paired: named);
    }
}
