using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;
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
        string arch = GeneratorFamilies.For(options.EffectiveNetG).ImportName(options.EffectiveNetG);
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
        var family = GeneratorFamilies.Find(model)
            ?? throw new InvalidDataException($"{modelPath}: holds a {ModelFile.Describe(model).Architecture}, not a generator.");
        if (!family.TranslatesImages)
            throw new InvalidDataException(
                $"{modelPath}: holds a {family.Architecture}; compress starts from {CompressibleNames()} (a generator from noise compresses by training in its own --mode with a target).");
        var spec = family.Spec(model);
        if (!family.Widths(model).SequenceEqual(family.FullWidths(model)) || family.TrainArch(spec) is not { } arch)
            throw new InvalidDataException(
                $"{modelPath}: holds a generator that is already pruned or has an unusual depth ({ModelFile.Describe(model).ConfigJson}); compress starts from {CompressibleNames()}.");
        var options = new TrainOptions(m, size ?? stored ?? family.TrainingSize(spec), steps, outputDir, Ngf: spec.Ngf,
            NetG: arch, Norm: spec.Norm, Dropout: spec.UseDropout);
        if (family.ForTraining(options, null).Depth is var depth && depth != spec.Depth)
            throw new InvalidDataException(
                $"{modelPath}: its {family.Architecture} has {spec.Depth} {family.DepthField}, for {family.SizeMultiple(spec)}-pixel images; --size {options.Size} needs {depth}.");
        return options with { Seed = seed, Prune = new PruneOptions(TargetRatio: targetRatio, TargetGMacs: targetGMacs), InitGenerators = [modelPath] };
    }

    /// <summary>"a full-width resnet9, resnet6 or unet generator": the generators compress takes, in words.</summary>
    static string CompressibleNames()
    {
        var names = Architectures.TrainNames.Where(n => GeneratorFamilies.ByName(n)!.TranslatesImages).ToList();
        return $"a full-width {string.Join(", ", names.Take(names.Count - 1))} or {names[^1]} generator";
    }
}
