using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN;

/// <summary>
/// Runs that start from trained models: <c>train --init</c> / <c>--init-d</c> (our model files, or pytorch-CycleGAN
/// state dicts imported on the way) and <c>compress</c>, which derives a whole run from a trained generator.
/// </summary>
public static class InitModels
{
    /// <summary>The subfolder of a run where imported PyTorch init files are kept as model files.</summary>
    public const string Folder = "init";

    /// <summary>
    /// Options with every init file a CoroNetGAN model file: ours are kept as they are; any other safetensors file is
    /// imported as a pytorch-CycleGAN state dict of the run's generator (or the PatchGAN, for discriminators) and saved
    /// under <paramref name="stagingDir"/>, so the run keeps the weights it started from. Unless the options set
    /// <see cref="TrainOptions.Dropout"/>, the generator's dropout follows the first init generator's.
    /// </summary>
    /// <exception cref="ArgumentException">A file is neither a model file nor a state dict of the run's architecture; the
    /// message names the file and the key that shows it.</exception>
    public static TrainOptions Stage(TrainOptions options, string stagingDir)
    {
        string arch = options.EffectiveNetG switch
        {
            GeneratorArch.Resnet9 => "resnet9",
            GeneratorArch.Resnet6 => "resnet6",
            _ => "unet",
        };
        var staged = options with
        {
            InitGenerators = StageAll(options.InitGenerators, arch, stagingDir, "G"),
            InitDiscriminators = StageAll(options.InitDiscriminators, "patchgan", stagingDir, "D"),
        };
        // Dropout has no parameters but shifts the ResNet's layer indices; unless set, it follows the trained generator
        // (a CycleGAN-trained ResNet has none, pix2pix's default has it).
        if (staged.Dropout == null && staged.InitGenerators is [var first, ..]
            && SafeTensorsFile.Read(first).Metadata.TryGetValue("config", out var config)
            && System.Text.Json.Nodes.JsonNode.Parse(config)?["useDropout"]?.GetValue<bool>() is bool dropout)
            staged = staged with { Dropout = dropout };
        return staged;
    }

    static IReadOnlyList<string>? StageAll(IReadOnlyList<string>? files, string arch, string dir, string prefix)
    {
        if (files == null) return null;
        var staged = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            string file = files[i];
            if (!File.Exists(file)) throw new FileNotFoundException($"init model {file} (--init, --init-d) does not exist.", file);
            var meta = SafeTensorsFile.Read(file).Metadata;
            if (meta.TryGetValue("format", out var format) && format == ModelFile.Format) { staged.Add(file); continue; }
            using var model = Interchange.ImportPyTorch(file, arch, Device.Cpu);
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, $"{prefix}{i}-{Path.GetFileName(file)}");
            ModelFile.Save(model, path);
            staged.Add(path);
        }
        return staged;
    }

    /// <summary>The mode a dataset folder's layout implies: trainA/ and trainB/ for CycleGAN, train/ for pix2pix.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder has neither layout.</exception>
    public static TrainMode InferMode(string dataDir)
    {
        if (Directory.Exists(Path.Combine(dataDir, "trainA")) && Directory.Exists(Path.Combine(dataDir, "trainB"))) return TrainMode.CycleGan;
        if (Directory.Exists(Path.Combine(dataDir, "train"))) return TrainMode.Pix2Pix;
        throw new DirectoryNotFoundException($"{dataDir}: neither trainA/ and trainB/ (cyclegan) nor train/ (pix2pix) is there; give --mode or point --data at the dataset folder.");
    }

    /// <summary>
    /// The options of <c>compress</c>: a pruning search to <paramref name="targetRatio"/> (or <paramref name="targetGMacs"/>) of the generator in
    /// <paramref name="modelPath"/>, starting from its weights, with its architecture, ngf, norm and dropout, and
    /// <paramref name="steps"/> steps of search and fine-tuning. The image size is <paramref name="size"/>, else the one
    /// stored in the model file, else the U-Net's native size or 256. A CycleGAN run's B -> A generator starts from scratch.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a full-width generator model file.</exception>
    public static TrainOptions ForCompress(string modelPath, string dataDir, string outputDir, double? targetRatio, int steps,
        TrainMode? mode = null, int? size = null, int seed = 0, double? targetGMacs = null)
    {
        var m = mode ?? InferMode(dataDir);
        int? stored = ModelFile.ReadImageSize(modelPath);
        using var model = ModelFile.Load(modelPath, Device.Cpu);
        var options = model switch
        {
            ResnetGenerator r when r.Widths.SequenceEqual(ResnetGenerator.FullWidths(r.Config.Ngf, r.Config.Blocks)) && r.Config.Blocks is 6 or 9 =>
                new TrainOptions(m, size ?? stored ?? 256, steps, outputDir, Ngf: r.Config.Ngf,
                    NetG: r.Config.Blocks == 6 ? GeneratorArch.Resnet6 : GeneratorArch.Resnet9, Norm: r.Config.Norm, Dropout: r.Config.UseDropout),
            UnetGenerator u when u.Widths.SequenceEqual(UnetGenerator.FullWidths(u.Config.Ngf, u.Config.NumDowns)) =>
                new TrainOptions(m, size ?? stored ?? Math.Max(32, 1 << u.Config.NumDowns), steps, outputDir, Ngf: u.Config.Ngf,
                    NetG: GeneratorArch.Unet, Norm: u.Config.Norm, Dropout: u.Config.UseDropout),
            ResnetGenerator or UnetGenerator => throw new InvalidDataException(
                $"{modelPath}: holds a generator that is already pruned or has an unusual block count ({ModelFile.Describe(model).ConfigJson}); compress starts from a full-width resnet9, resnet6 or U-Net generator."),
            _ when Engine.Models.Families.GeneratorFamilies.Find(model) is { } family => throw new InvalidDataException(
                $"{modelPath}: holds a {family.Architecture}; compress starts from a full-width resnet9, resnet6 or U-Net generator (a DCGAN compresses by training with --mode dcgan and a target)."),
            _ => throw new InvalidDataException($"{modelPath}: holds a {ModelFile.Describe(model).Architecture}, not a generator."),
        };
        if (model is UnetGenerator un && options.UnetDowns != un.Config.NumDowns)
            throw new InvalidDataException($"{modelPath}: its U-Net has {un.Config.NumDowns} downsamplings, for {1 << un.Config.NumDowns}-pixel images; --size {options.Size} needs {options.UnetDowns}.");
        return options with { Seed = seed, Prune = new PruneOptions(TargetRatio: targetRatio, TargetGMacs: targetGMacs), InitGenerators = [modelPath] };
    }
}
