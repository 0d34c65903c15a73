using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN;

/// <summary>
/// Weights in and out: PyTorch state dicts of pytorch-CycleGAN-and-pix2pix saved as safetensors (the interchange
/// format, under PyTorch's keys such as <c>model.10.conv_block.5.weight</c>), and the engine's own model files,
/// which add the architecture and its configuration so a model loads by path alone. Nothing is ever unpickled:
/// convert a <c>.pth</c> to safetensors in Python first.
/// </summary>
/// <remarks>
/// Thread-safe: the methods keep no shared state and may run concurrently on different models and files. A
/// model passed in must not be used by another thread during the call. Files are written atomically (a temporary
/// file renamed over the target).
/// </remarks>
public static class Interchange
{
    /// <summary>
    /// The architectures <see cref="ImportPyTorch"/> accepts: those of <see cref="Architectures.Names"/>, plus
    /// <c>resnet</c> and <c>unet</c>, which take the number of blocks or downsamplings from the file.
    /// </summary>
    public static IReadOnlyList<string> ImportNames { get; } =
        [.. GeneratorFamilies.All.SelectMany(f => f.Names.Append(f.GenericName)), "patchgan"];

    /// <summary>
    /// Builds the architecture <paramref name="arch"/> on <paramref name="device"/> and loads a PyTorch state dict
    /// from the safetensors file <paramref name="path"/> into it. Channels, ngf, norm, depth and pruned per-layer
    /// widths are inferred from the keys and shapes; <paramref name="options"/> may state them, and are checked.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown architecture, or an option or architecture that disagrees with
    /// the file (the message names the key that shows it).</exception>
    /// <exception cref="StateDictMismatchException">Keys missing, unexpected or of the wrong shape, each named.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    public static Module ImportPyTorch(string path, string arch, Device device, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        var file = SafeTensorsFile.Read(path);
        string a = arch.Trim().ToLowerInvariant();
        if (!ImportNames.Contains(a))
            throw new ArgumentException($"Unknown architecture '{arch}' for import. Known: {string.Join(", ", ImportNames)}.");
        List<string> guessed;
        var model = GeneratorFamilies.ByName(a) is { } family ? GeneratorFrom(family, path, a, file, options, device, out guessed)
            : PatchGanFrom(path, file, options, device, out guessed);
        try
        {
            StateDict.Load(model, file.Tensors, path);
            StateDict.RequireFinite(file.Tensors, path);
        }
        // When no key fits at all the file is of another architecture, which the mismatch message itself says best.
        catch (StateDictMismatchException e) when (guessed.Count > 0 && StateDict.Keys(model).Any(k => file.Tensors.ContainsKey(k.Key)))
        {
            model.Dispose();
            // With a shape-giving key missing, every later shape follows a guess: list that cause, not each false mismatch.
            var missing = e.Missing.Take(3).ToList();
            throw new ArgumentException($"{path}: the file does not show {string.Join(", ", guessed)}" +
                (missing.Count > 0 ? $"; it lacks {string.Join(", ", missing.Select(k => $"'{k}'"))}{(e.Missing.Count > 3 ? $" and {e.Missing.Count - 3} more keys" : "")}" : "") +
                $". Is it a {arch} state dict from pytorch-CycleGAN-and-pix2pix? If so, give the options in brackets.", e);
        }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>Writes <paramref name="model"/>'s state dict to <paramref name="path"/> as safetensors under PyTorch's keys
    /// (metadata <c>format</c> = <c>pt</c>), loadable with <c>safetensors.torch.load_file</c> and <c>load_state_dict</c>.</summary>
    public static void ExportPyTorch(Module model, string path) =>
        StateDict.Save(model, path, new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Saves a ResNet, U-Net or PatchGAN model in the engine's model format (weights plus architecture and
    /// configuration); <paramref name="imageSize"/>, when given, records the size it was trained at, which
    /// <see cref="Generator.Load(string, string, int?)"/> then translates at by default.
    /// </summary>
    /// <exception cref="ArgumentException">The module is not one of those models.</exception>
    public static void SaveModel(Module model, string path, int? imageSize = null) => ModelFile.Save(model, path, imageSize);

    /// <summary>Loads a model file written by <see cref="SaveModel"/>, rebuilding the right class on <paramref name="device"/>.</summary>
    /// <exception cref="InvalidDataException">Not a model file, or one this version cannot read; the message names the file.</exception>
    public static Module LoadModel(string path, Device device) => ModelFile.Load(path, device);

    /// <summary>The architecture name and configuration JSON a model file would record for <paramref name="model"/>.</summary>
    public static string Describe(Module model)
    {
        var (arch, config) = ModelFile.Describe(model);
        return $"{arch} {config}";
    }

    static Module GeneratorFrom(GeneratorFamily family, string path, string arch, SafeTensorsFile file, ImportOptions o, Device device, out List<string> guessed)
    {
        var l = family.ReadLayout(file.Tensors);
        var m = new Merge(path, l);
        guessed = m.Guessed;
        int? given = family.DepthOption is { } option ? o.Depth(option) : null;
        int depth = m.Pick(family.DepthField, family.DepthOption ?? "--arch", given, l.Depth, family.DepthOf(family.Names[0])!.Value, family.DepthOf(arch), arch);
        int ngf = m.Pick("ngf", "--ngf", o.Ngf, l.Width, 64);
        int input = m.Pick("input channels", "--input-nc", o.InputChannels, l.InputChannels, 3);
        int output = m.Pick("output channels", "--output-nc", o.OutputChannels, l.OutputChannels, 3);
        var norm = m.PickNorm(o.Norm, l.Norm, family.DefaultNorm);
        bool dropout = family.DropoutFromFile ? m.PickDropout(o.UseDropout, l.UseDropout, family.DefaultDropout) : o.UseDropout ?? family.DefaultDropout;
        m.ThrowIfAny();
        var widths = l.Widths is { } w && w.Count == family.WidthLayout(depth).Count && !w.SequenceEqual(family.FullWidths(ngf, depth)) ? w : null;
        return family.Build(new GeneratorSpec(input, output, ngf, depth, norm, dropout, widths), device);
    }

    static Module PatchGanFrom(string path, SafeTensorsFile file, ImportOptions o, Device device, out List<string> guessed)
    {
        var l = PyTorchLayout.PatchGan(file.Tensors);
        var m = new Merge(path, l);
        guessed = m.Guessed;
        int layers = m.Pick("layers", "--n-layers", o.Layers, l.Depth, 3);
        int ndf = m.Pick("ndf", "--ngf", o.Ngf, l.Width, 64);
        int input = m.Pick("input channels", "--input-nc", o.InputChannels, l.InputChannels, 3);
        var norm = m.PickNorm(o.Norm, l.Norm, NormKind.Instance);
        m.ThrowIfAny();
        return new PatchGanDiscriminator(new PatchGanConfig(input, ndf, layers, norm), device);
    }

    /// <summary>Combines options, the architecture name and the file's evidence, collecting every disagreement.</summary>
    sealed class Merge(string path, PyTorchLayout layout)
    {
        readonly List<string> _errors = new();

        public int Pick(string field, string option, int? given, int? inferred, int fallback, int? implied = null, string? arch = null)
        {
            string evidence = layout.Evidence.TryGetValue(field, out var e) ? e : "";
            if (given != null && inferred != null && given != inferred)
                _errors.Add($"{option} {given} disagrees with the file: its {field} is {inferred} ({evidence}).");
            if (implied != null && inferred != null && implied != inferred)
                _errors.Add($"--arch {arch} has {implied} {field} but the file has {inferred} ({evidence}); choose the matching architecture, or the generic one ({string.Join(" or ", GeneratorFamilies.All.Select(f => $"'{f.GenericName}'"))}).");
            if (implied != null && given != null && implied != given)
                _errors.Add($"--arch {arch} has {implied} {field}, but {option} says {given}.");
            if (given == null && inferred == null && implied == null) Guessed.Add($"{field} (--{option.TrimStart('-')}; assumed {fallback})");
            return given ?? inferred ?? implied ?? fallback;
        }

        /// <summary>Fields the file did not show and no option gave: their defaults are guesses.</summary>
        public List<string> Guessed { get; } = new();

        public NormKind PickNorm(NormKind? given, NormKind? inferred, NormKind fallback)
        {
            if (given != null && inferred != null && given != inferred)
                _errors.Add($"--norm {Name(given.Value)} disagrees with the file, which was saved with norm {Name(inferred.Value)} ({layout.Evidence["norm"]}).");
            return given ?? inferred ?? fallback;
        }

        public bool PickDropout(bool? given, bool? inferred, bool fallback)
        {
            if (given != null && inferred != null && given != inferred)
                _errors.Add($"dropout {(given.Value ? "on" : "off")} disagrees with the file, whose residual blocks {(inferred.Value ? "hold" : "hold no")} dropout (conv_block.{(inferred.Value ? 6 : 5)}.weight).");
            return given ?? inferred ?? fallback;
        }

        public void ThrowIfAny()
        {
            if (_errors.Count > 0)
                throw new ArgumentException($"{path}: " + string.Join("\n  ", _errors));
        }

        static string Name(NormKind n) => n.ToString().ToLowerInvariant();
    }
}
