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
    /// <summary>The mode's dataset layout name ("pix2pix" or "cyclegan").</summary>
    public static string ModeName(TrainMode mode) => mode == TrainMode.Pix2Pix ? "pix2pix" : "cyclegan";

    /// <summary>Opens the training split and, when present, the test split of <paramref name="dataDir"/>.</summary>
    /// <remarks><paramref name="loadSize"/> is the size images are resized to before the random crop (default: size x 286/256,
    /// as pix2pix); the test split is resized straight to <paramref name="size"/>, so a load size equal to the size keeps
    /// training and test at the same scale (right for small, centred images such as the demo's).</remarks>
    public static (IImageDataset Train, IImageDataset? Test) OpenData(string dataDir, TrainMode mode, int size, bool skipBadImages = false, int? loadSize = null)
    {
        string m = ModeName(mode);
        var train = Datasets.Open(dataDir, m, size, "train", skipBadImages, loadSize: loadSize);
        bool hasTest = mode == TrainMode.Pix2Pix
            ? Directory.Exists(Path.Combine(dataDir, "test"))
            : Directory.Exists(Path.Combine(dataDir, "testA")) && Directory.Exists(Path.Combine(dataDir, "testB"));
        IImageDataset? test = hasTest ? Datasets.Open(dataDir, m, size, "test", skipBadImages) : null;
        return (train, test);
    }

    /// <summary>A new run of <paramref name="options"/> on the images in <paramref name="dataDir"/>.</summary>
    public static Trainer Start(TrainOptions options, string dataDir, Device? device = null, bool skipBadImages = false, int? loadSize = null)
    {
        var (train, test) = OpenData(dataDir, options.Mode, options.Size, skipBadImages, loadSize);
        return Trainer.Create(options, train, test, device);
    }

    /// <summary>
    /// Continues the run in <paramref name="outputDir"/> from its newest checkpoint, exactly where it stopped;
    /// <paramref name="expected"/>, when given, must describe the same run (mode, architecture, size, pruning).
    /// </summary>
    public static Trainer Resume(string outputDir, string dataDir, TrainOptions? expected = null, Device? device = null, bool skipBadImages = false,
        int? loadSize = null)
    {
        var latest = Trainer.Checkpoints(outputDir).LastOrDefault()
            ?? throw new FileNotFoundException($"No checkpoint to resume in '{outputDir}'.");
        var saved = Trainer.ReadOptions(latest);
        var (train, test) = OpenData(dataDir, saved.Mode, saved.Size, skipBadImages, loadSize);
        return Trainer.Resume(outputDir, train, test, device, expected);
    }
}
