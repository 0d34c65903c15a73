using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>
/// Starting and resuming training runs on a dataset folder in the pytorch-CycleGAN-and-pix2pix layouts
/// (aligned train/ and test/ for pix2pix; trainA/ trainB/ testA/ testB/ for CycleGAN). Every image is checked
/// before the first step. A trainer is used from one thread; its events fire on that thread.
/// </summary>
public static class TrainingRuns
{
    /// <summary>The mode's dataset layout name ("pix2pix", "cyclegan" or "dcgan").</summary>
    public static string ModeName(TrainMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Opens the training split and, when present, the test split of <paramref name="dataDir"/>.</summary>
    /// <remarks><paramref name="loadSize"/> is the size images are resized to before the random crop (default: size x 286/256,
    /// as pix2pix); the test split is resized straight to <paramref name="size"/>, so a load size equal to the size keeps
    /// training and test at the same scale (right for small, centred images such as the demo's).</remarks>
    /// <remarks>With <paramref name="skipBadImages"/>, every skipped file goes to <paramref name="warning"/> with its reason.</remarks>
    public static (IImageDataset Train, IImageDataset? Test) OpenData(string dataDir, TrainMode mode, int size, bool skipBadImages = false, int? loadSize = null,
        Action<string>? warning = null, bool btoA = false, bool flip = true)
    {
        string m = ModeName(mode);
        string direction = btoA ? "BtoA" : "AtoB";
        var train = Datasets.Open(dataDir, m, size, "train", skipBadImages, direction, loadSize, warning, flip);
        // A generator from noise has no test split: it is scored (FID) against the training images.
        bool hasTest = mode switch
        {
            TrainMode.Pix2Pix => Directory.Exists(Path.Combine(dataDir, "test")),
            TrainMode.CycleGan => Directory.Exists(Path.Combine(dataDir, "testA")) && Directory.Exists(Path.Combine(dataDir, "testB")),
            _ => false,
        };
        IImageDataset? test = hasTest ? Datasets.Open(dataDir, m, size, "test", skipBadImages, direction, warning: warning) : null;
        return (train, test);
    }

    /// <summary>
    /// A new run of <paramref name="options"/> on the images in <paramref name="dataDir"/>. An output folder that holds
    /// another run is refused unless <paramref name="overwrite"/>, which deletes that run's files; the folder is locked
    /// while the trainer runs (<see cref="RunLock"/>). Warnings (skipped images, an overwritten run) go to <paramref name="log"/>.
    /// </summary>
    /// <param name="options">The run's configuration.</param>
    /// <param name="dataDir">The dataset folder.</param>
    /// <param name="device">Where to train (CPU when null).</param>
    /// <param name="skipBadImages">Skip unreadable images with a warning.</param>
    /// <param name="loadSize">Resize-before-crop size (default: size x 286/256).</param>
    /// <param name="overwrite">Delete another run found in the folder instead of refusing it.</param>
    /// <param name="log">Receives warnings.</param>
    /// <param name="ownsFolder">False for the ranks of a distributed run that do not write: only the writing rank checks,
    /// clears and locks the shared folder.</param>
    /// <exception cref="IOException">The folder holds another run (and no overwrite), is a file, or is in use by another process.</exception>
    public static TrainingRun Start(TrainOptions options, string dataDir, Device? device = null, bool skipBadImages = false, int? loadSize = null,
        bool overwrite = false, Action<string>? log = null, bool ownsFolder = true)
    {
        options.Validate();
        // Refuse before the (possibly long) scan of the data; clear only under the lock, after the data proved usable.
        if (ownsFolder && !overwrite) RunFolder.PrepareNewRun(options.OutputDirectory, overwrite: false);
        else RunFolder.RequireFolder(options.OutputDirectory);
        var (train, test) = OpenData(dataDir, options.Mode, options.Size, skipBadImages, loadSize, log, options.BtoA, !options.NoFlip);
        if (ownsFolder)
            using (RunLock.Acquire(options.OutputDirectory, log)) RunFolder.PrepareNewRun(options.OutputDirectory, overwrite, log);
        // PyTorch init files become model files inside the run (the ranks that do not own the folder stage privately).
        options = InitModels.Stage(options, ownsFolder
            ? Path.Combine(options.OutputDirectory, InitModels.Folder)
            : Path.Combine(Path.GetTempPath(), $"coronetgan-init-{Environment.ProcessId}"));
        return new TrainingRun(Trainer.Create(options, train, test, device));
    }

    /// <summary>Whether <paramref name="outputDir"/> holds a checkpoint to <see cref="Resume"/> from.</summary>
    public static bool HasCheckpoint(string outputDir) => Trainer.Checkpoints(outputDir).Count > 0;

    /// <summary>Throws <see cref="IOException"/> when <paramref name="outputDir"/> names a file, not a folder (check a run's
    /// output folder before anything slow).</summary>
    public static void RequireFolder(string outputDir) => RunFolder.RequireFolder(outputDir);

    /// <summary>The options stored in the newest checkpoint of the run in <paramref name="outputDir"/> (to apply a user's changes to before <see cref="Resume"/>).</summary>
    /// <exception cref="FileNotFoundException">The folder holds no checkpoint.</exception>
    public static TrainOptions SavedOptions(string outputDir)
    {
        var latest = Trainer.Checkpoints(outputDir).LastOrDefault()
            ?? throw new FileNotFoundException($"{Path.GetFullPath(outputDir)}: no checkpoint to resume (train without --resume to start a run there).");
        return Trainer.ReadOptions(latest);
    }

    /// <summary>
    /// Continues the run in <paramref name="outputDir"/> from its newest checkpoint, exactly where it stopped;
    /// <paramref name="expected"/>, when given, must describe the same run (mode, architecture, size, pruning).
    /// </summary>
    /// <remarks>Options that cannot change mid-run must match; total steps and intervals may change, and each change
    /// is reported to <paramref name="log"/> (see <see cref="ResumeCheck"/>). A folder in use by another process is refused.</remarks>
    public static TrainingRun Resume(string outputDir, string dataDir, TrainOptions? expected = null, Device? device = null, bool skipBadImages = false,
        int? loadSize = null, Action<string>? log = null, bool ownsFolder = true)
    {
        RunFolder.RequireFolder(outputDir);
        // Lock once now: an in-use folder is refused before anything is read, and a killed run's leftovers are cleaned.
        if (ownsFolder)
            using (RunLock.Acquire(outputDir, log)) { }
        var latest = Trainer.Checkpoints(outputDir).LastOrDefault()
            ?? throw new FileNotFoundException($"{Path.GetFullPath(outputDir)}: no checkpoint to resume (train without --resume to start a run there).");
        var saved = Trainer.ReadOptions(latest);
        if (expected != null)
            foreach (var change in ResumeCheck.Reconcile(saved, expected with { OutputDirectory = saved.OutputDirectory }, latest).Applied)
                log?.Invoke($"resume: {change}");
        var (train, test) = OpenData(dataDir, saved.Mode, saved.Size, skipBadImages, loadSize, log, saved.BtoA, !saved.NoFlip);
        return new TrainingRun(Trainer.Resume(outputDir, train, test, device, expected));
    }
}
