using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary>
/// The training-recipe options `train` and `study` share (mode, data, sizes, widths, steps, search knobs, device, seed,
/// data loading), defined once so a study passes every one of them through to its runs.
/// </summary>
internal sealed class RecipeOptions
{
    public readonly Option<string> Mode = new("--mode") { Description = "pix2pix (aligned train/ and test/ with A|B side by side), cyclegan (trainA/ trainB/ testA/ testB/) or dcgan (images from noise; --data holds the images directly).", Required = true };
    public readonly Option<string> Data = new("--data") { Description = "The dataset folder.", Required = true };
    public readonly Option<int> Size = new("--size") { Description = "Training image size in pixels.", DefaultValueFactory = _ => 256 };
    public readonly Option<int> Ngf = new("--ngf") { Description = "Generator width (filters of the first layer).", DefaultValueFactory = _ => 64 };
    public readonly Option<int> Ndf = new("--ndf") { Description = "Discriminator width.", DefaultValueFactory = _ => 64 };
    public readonly Option<string?> NetG = new("--net-g") { Description = "Generator: unet (pix2pix default), resnet9 (cyclegan default), resnet6; each trains in pix2pix and cyclegan mode." };
    public readonly Option<int?> Steps = new("--steps") { Description = "Total training steps (search + fine-tune); the learning rate decays linearly to 0 over the second half. Give --steps or --epochs." };
    public readonly Option<int?> Epochs = new("--epochs") { Description = "Epochs at the initial learning rate (pytorch-CycleGAN's n_epochs), instead of --steps: an epoch is one pass over the training images (the larger domain for cyclegan) in batches of --batch-size x ranks." };
    public readonly Option<int?> EpochsDecay = new("--epochs-decay") { Description = "Epochs of linear decay to 0 after --epochs (n_epochs_decay; default: as many as --epochs)." };
    public readonly Option<double?> Share = new("--search-share") { Description = "Share of the steps the search may take before the target is forced. Default: 0.8 for pix2pix (a long masked search, better on the pix2pix set at both ratios and both learning rates measured; docs/quality.md 8.5, 9), 0.5 for cyclegan and dcgan." };
    public readonly Option<float> Lambda = new("--lambda") { Description = "Initial sparsity pressure (adapted to meet the target within the search share).", DefaultValueFactory = _ => 0.1f };
    public readonly Option<string> Pressure = new("--prune-pressure") { Description = "How the search's sparsity pressure is shared among the layers: uniform (DHP, the published method: the same shrink for every latent entry, so the search cuts where latents are small) or macs (each layer's shrink scaled by the MACs one of its channels costs, mean 1: cheap channels are kept, the search cuts where the MACs are).", DefaultValueFactory = _ => "uniform" };
    public readonly Option<string?> EndFloor = new("--end-floor") { Description = "Fraction of their channels the first and last prunable layers (the ResNet generators' full-resolution convolutions, the U-Net's outermost down and up convolutions) keep at least, in [0, 1], or auto: 0.75 down to a quarter of the MACs, then 1.5 x sqrt(target ratio) (0.47 at a tenth), so that at small targets the end layers leave the other layers a share of the budget; the rest of the MAC budget is cut from the other layers. 0: only the minimum of 4 channels, as DHP (the published method). Default: auto for pix2pix (0.75 measured best at a quarter and 0.5 at a tenth of the MACs, where 0.75 was worse and 0.3 no better; docs/quality.md 9, 10), 0.75 for cyclegan (5.1, 7.8; 0.5 at a tenth was mixed there, 8.3), 0 for dcgan." };
    public readonly Option<double> LayerFloor = new("--layer-floor") { Description = "Fraction of their channels every prunable layer keeps at least, in [0, 1] (the end layers: the larger of this and --end-floor), so a small target cannot leave a layer of a few channels. 0: only the minimum of 4 channels, as DHP.", DefaultValueFactory = _ => 0.0 };
    public readonly Option<string> SearchUntil = new("--search-until") { Description = "When the search ends: target (DHP, the published method: as soon as the MACs meet the target, or when the search share forces the cut) or budget (it runs the whole search share: once the target is met the pruning stops and the masks hold while the hypernetwork trains on; with --target-ratio 1 --lambda 0 --search-share 1 the hypernetwork generator trains every step with nothing pruned).", DefaultValueFactory = _ => "target" };
    public readonly Option<string?> SearchMask = new("--search-mask") { Description = "Whether the search zeroes the pruned channels' activations: off (DHP, the published method: the full width runs unmasked and the cut changes what the generator computes) or on (from each MAC check on, the channels the masks leave out are zeroed where they are produced, so the generator learns without them before the cut and the extraction computes what the searching generator computed). Default: on for pix2pix (with --search-share 0.8 better on the pix2pix set at both ratios and both learning rates measured; docs/quality.md 8.5, 9), off for cyclegan (a long masked search collapsed a CycleGAN tenth, 8.5) and dcgan." };
    public readonly Option<string?> FinetuneLr = new("--finetune-lr") { Description = "The learning rate of the fine-tune after extraction: continue (the published method: the run's one schedule) or restart (a fresh schedule over the fine-tune's steps: --lr for their first half, then the linear decay to 0). Default: restart for pix2pix and cyclegan (a little better on both embedded sets; docs/quality.md 7.6), continue for dcgan." };
    public readonly Option<string?> FinetuneFrom = new("--finetune-from") { Description = "The generator's weights when the fine-tune starts: extracted (the published method: the weights the search ends with, cut to the compact widths and trained as plain weights), hyper (the same weights kept in the hypernetwork's form: the compact generator fine-tunes as a hyper generator of its widths and is written as a plain model at the end) or scratch (fresh random weights at the compact widths: the search only chooses the architecture; extracted.safetensors still holds the extracted weights). Default: hyper for pix2pix and cyclegan (better on both embedded sets; docs/quality.md 7.7), extracted for dcgan." };
    public readonly Option<string?> FinetuneD = new("--finetune-d") { Description = "The discriminator(s) when the fine-tune starts: continue (the published method) or restart (fresh weights and optimizer, so a discriminator trained against the full-width generator does not face the narrow one). Default: restart for pix2pix (better at both learning rates measured; docs/quality.md 7.8), continue for cyclegan (the restart cost L1 there at a quarter of the MACs, 7.3, and with the hyper fine-tune at a tenth too, 8.3) and dcgan." };
    public readonly Option<float?> FinetuneDistill = new("--finetune-distill") { Description = $"Self-distillation in the fine-tune: each compact generator's loss adds this weight times the mean absolute difference between its output and the output of the generator as it was at the cut (full width, frozen, kept in the checkpoints), on the same input. 0 is the published method. Default: {CycleGanDistill.ToString(System.Globalization.CultureInfo.InvariantCulture)} for cyclegan (it keeps the narrow generators from collapsing against the discriminators; docs/quality.md 7.4), 0 for pix2pix and dcgan." };
    /// <summary>The CycleGAN default of <c>--finetune-distill</c> (measured in docs/quality.md 7.4); other modes default to 0.</summary>
    public const float CycleGanDistill = 3f;
    public readonly Option<string> DistillSchedule = new("--finetune-distill-schedule") { Description = "How the --finetune-distill weight runs over the fine-tune: constant, or linear (the full weight at the cut, falling to 0 at the last step).", DefaultValueFactory = _ => "constant" };
    public readonly Option<string> Device = new("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu (see `coronetgan devices`).", DefaultValueFactory = _ => "auto" };
    public readonly Option<bool> SkipBad = new("--skip-bad-images") { Description = "Skip unreadable images with a warning instead of stopping." };
    public readonly Option<int> Seed = new("--seed") { Description = "Random seed of the run.", DefaultValueFactory = _ => 0 };
    public readonly Option<int> CheckpointEvery = new("--checkpoint-every") { Description = "Steps between checkpoints (0: at phase ends and at the end).", DefaultValueFactory = _ => 500 };
    public readonly Option<int> SampleEvery = new("--sample-every") { Description = "Steps between sample grids (0: none).", DefaultValueFactory = _ => 500 };
    public readonly Option<int?> LoadSize = new("--load-size") { Description = "Resize to this before the random crop to --size (default: size x 286/256, as pix2pix)." };
    public readonly Option<int> BatchSize = new("--batch-size") { Description = "Images per step (per rank with --distributed).", DefaultValueFactory = _ => 1 };
    public readonly Option<string?> Norm = new("--norm") { Description = "batch or instance (default: batch for pix2pix, instance for cyclegan)." };
    public readonly Option<float> Lr = new("--lr") { Description = "Adam's initial learning rate (pytorch-CycleGAN --lr).", DefaultValueFactory = _ => 2e-4f };
    public readonly Option<float> Beta1 = new("--beta1") { Description = "Adam's beta1 (pytorch-CycleGAN --beta1).", DefaultValueFactory = _ => 0.5f };
    public readonly Option<string?> GanMode = new("--gan-mode") { Description = "lsgan, vanilla or hinge (default: vanilla for pix2pix, lsgan for cyclegan)." };
    public readonly Option<float> LambdaL1 = new("--lambda-l1") { Description = "Weight of pix2pix's L1 term.", DefaultValueFactory = _ => 100f };
    public readonly Option<float> LambdaA = new("--lambda-a") { Description = "Weight of CycleGAN's cycle loss A -> B -> A.", DefaultValueFactory = _ => 10f };
    public readonly Option<float> LambdaB = new("--lambda-b") { Description = "Weight of CycleGAN's cycle loss B -> A -> B.", DefaultValueFactory = _ => 10f };
    public readonly Option<float> LambdaIdentity = new("--lambda-identity") { Description = "Weight of CycleGAN's identity loss, relative to the cycle weights (0: none).", DefaultValueFactory = _ => 0.5f };
    public readonly Option<int?> PoolSize = new("--pool-size") { Description = "Fakes kept for the discriminator (default: 50 for cyclegan, 0 for pix2pix)." };
    public readonly Option<string> Direction = new("--direction") { Description = "AtoB, or BtoA to translate the B images into A ones.", DefaultValueFactory = _ => "AtoB" };
    public readonly Option<bool> NoFlip = new("--no-flip") { Description = "No random horizontal flips of the training images." };
    public readonly Option<int> LayersD = new("--n-layers-d") { Description = "Strided conv layers of the PatchGAN discriminator (3: the 70x70 PatchGAN).", DefaultValueFactory = _ => 3 };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Mode, Data, Size, Ngf, Ndf, NetG, Steps, Epochs, EpochsDecay, Share, Lambda, Pressure, EndFloor, LayerFloor, SearchUntil, SearchMask, FinetuneLr, FinetuneFrom, FinetuneD, FinetuneDistill, DistillSchedule, Device, SkipBad, Seed, CheckpointEvery, SampleEvery, LoadSize, BatchSize, Norm,
            Lr, Beta1, GanMode, LambdaL1, LambdaA, LambdaB, LambdaIdentity, PoolSize, LayersD, Direction, NoFlip })
            command.Add(o);
    }

    /// <summary>
    /// The recipe the options give, writing to <paramref name="outDir"/>, pruning toward the given target. With
    /// neither --steps nor --epochs the total is 0, which only a resume (keeping the run's own total) accepts.
    /// </summary>
    public TrainOptions Build(ParseResult parse, string outDir, bool noPrune, double? targetRatio, double? targetGMacs, int ranks = 1)
    {
        var (steps, decayStart) = StepsOf(parse, ranks);
        return BuildWith(parse, outDir, noPrune, targetRatio, targetGMacs, steps) with { DecayStart = decayStart };
    }

    /// <summary>Whether --steps or --epochs was given.</summary>
    public bool LengthGiven(ParseResult parse) => parse.GetValue(Steps) != null || parse.GetValue(Epochs) != null;

    (int Steps, int? DecayStart) StepsOf(ParseResult parse, int ranks)
    {
        int? steps = parse.GetValue(Steps), epochs = parse.GetValue(Epochs), decay = parse.GetValue(EpochsDecay);
        if (steps != null && (epochs != null || decay != null)) throw new ArgumentException("give the length as --steps or as --epochs (with --epochs-decay), not both.");
        if (epochs == null)
        {
            if (decay != null) throw new ArgumentException("--epochs-decay goes with --epochs.");
            return (steps ?? 0, null);
        }
        var mode = ParseMode(parse.GetValue(Mode)!);
        string data = Path.GetFullPath(parse.GetValue(Data)!);
        int count = mode == TrainMode.Pix2Pix ? Datasets.ListImages(Path.Combine(data, "train")).Count
            : mode == TrainMode.Dcgan ? Datasets.ListImages(data).Count
            : Math.Max(Datasets.ListImages(Path.Combine(data, "trainA")).Count, Datasets.ListImages(Path.Combine(data, "trainB")).Count);
        long global = (long)parse.GetValue(BatchSize) * ranks;
        long perEpoch = Math.Max(1, (count + global - 1) / global);
        long total = (epochs.Value + (decay ?? epochs.Value)) * perEpoch;
        if (total > int.MaxValue) throw new ArgumentException($"{epochs} + {decay ?? epochs} epochs of {perEpoch} steps is more steps than a run can take.");
        return ((int)total, (int)(epochs.Value * perEpoch));
    }

    TrainOptions BuildWith(ParseResult parse, string outDir, bool noPrune, double? targetRatio, double? targetGMacs, int steps) =>
        BuildWith(parse, ParseMode(parse.GetValue(Mode)!), outDir, noPrune, targetRatio, targetGMacs, steps);

    TrainOptions BuildWith(ParseResult parse, TrainMode mode, string outDir, bool noPrune, double? targetRatio, double? targetGMacs, int steps) => new(
        mode, parse.GetValue(Size), steps, outDir,
        Ngf: parse.GetValue(Ngf), Ndf: parse.GetValue(Ndf), NetG: ParseNetG(parse.GetValue(NetG)), Seed: parse.GetValue(Seed),
        NoPrune: noPrune, CheckpointEvery: parse.GetValue(CheckpointEvery), SampleEvery: parse.GetValue(SampleEvery),
        Prune: PruneOf(parse, mode, targetRatio, targetGMacs),
        BatchSize: parse.GetValue(BatchSize), Norm: parse.GetValue(Norm) is { } n ? CliParsing.Norm(n) : null,
        LearningRate: parse.GetValue(Lr), Beta1: parse.GetValue(Beta1), Gan: ParseGan(parse.GetValue(GanMode)),
        LambdaL1: parse.GetValue(LambdaL1), LambdaA: parse.GetValue(LambdaA), LambdaB: parse.GetValue(LambdaB),
        LambdaIdentity: parse.GetValue(LambdaIdentity), PoolSize: parse.GetValue(PoolSize), LayersD: parse.GetValue(LayersD),
        BtoA: ParseDirection(parse.GetValue(Direction)!), NoFlip: parse.GetValue(NoFlip));

    /// <summary>The pruning options: the mode's defaults (<see cref="WithModeDefaults"/>, over the engine's own, such as the
    /// search share of 0.5 for the modes without one), each replaced by its option where given.</summary>
    PruneOptions PruneOf(ParseResult parse, TrainMode mode, double? targetRatio, double? targetGMacs)
    {
        var d = WithModeDefaults(new PruneOptions(TargetRatio: targetGMacs == null ? targetRatio ?? 0.5 : null, TargetGMacs: targetGMacs,
            Lambda: parse.GetValue(Lambda), Pressure: ParsePressure(parse.GetValue(Pressure)!),
            LayerFloor: parse.GetValue(LayerFloor), SearchUntil: ParseSearchUntil(parse.GetValue(SearchUntil)!),
            DistillSchedule: ParseDistillSchedule(parse.GetValue(DistillSchedule)!)), mode);
        return d with
        {
            SearchShare = parse.GetValue(Share) ?? d.SearchShare,
            SearchMask = parse.GetValue(SearchMask) is { } mask ? ParseSearchMask(mask) : d.SearchMask,
            EndFloor = parse.GetValue(EndFloor) is { } floor ? ParseEndFloor(floor) : d.EndFloor,
            FinetuneRate = parse.GetValue(FinetuneLr) is { } rate ? ParseFinetuneRate(rate) : d.FinetuneRate,
            FinetuneFrom = parse.GetValue(FinetuneFrom) is { } from ? ParseFinetuneFrom(from) : d.FinetuneFrom,
            FinetuneD = parse.GetValue(FinetuneD) is { } disc ? ParseFinetuneD(disc) : d.FinetuneD,
            FinetuneDistill = parse.GetValue(FinetuneDistill) ?? d.FinetuneDistill,
        };
    }

    public static PrunePressure ParsePressure(string text) => text.Trim().ToLowerInvariant() switch
    {
        "uniform" => CoroNetGAN.PrunePressure.Uniform,
        "macs" => CoroNetGAN.PrunePressure.Macs,
        _ => throw new ArgumentException($"--prune-pressure must be uniform or macs, got '{text}'."),
    };

    /// <summary><c>--end-floor</c>: a number, or auto (null: the floor <see cref="CoroNetGAN.Engine.Pruning.SearchSettings.EndFloorFor"/>
    /// gives for the target). The range [0, 1] is checked where every other option's is, when the trainer validates its
    /// options.</summary>
    public static double? ParseEndFloor(string text)
    {
        if (text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double f))
            return f;
        throw new ArgumentException($"--end-floor must be auto or a fraction of the channels in [0, 1], got '{text}'.");
    }

    public static SearchEnd ParseSearchUntil(string text) => text.Trim().ToLowerInvariant() switch
    {
        "target" => SearchEnd.Target,
        "budget" => SearchEnd.Budget,
        _ => throw new ArgumentException($"--search-until must be target or budget, got '{text}'."),
    };

    public static bool ParseSearchMask(string text) => text.Trim().ToLowerInvariant() switch
    {
        "off" => false,
        "on" => true,
        _ => throw new ArgumentException($"--search-mask must be off or on, got '{text}'."),
    };

    public static FinetuneRate ParseFinetuneRate(string text) => text.Trim().ToLowerInvariant() switch
    {
        "continue" => CoroNetGAN.FinetuneRate.Continue,
        "restart" => CoroNetGAN.FinetuneRate.Restart,
        _ => throw new ArgumentException($"--finetune-lr must be continue or restart, got '{text}'."),
    };

    /// <summary>
    /// <paramref name="prune"/> with the command line's recipe defaults for <paramref name="mode"/>, the one place they
    /// are chosen: <c>train</c> and <c>study</c> start from them and replace each with its option where given, and the
    /// commands that take none of those options (<c>compress</c>, <c>demo</c>) train with them as they are. The engine's
    /// <see cref="PruneOptions"/> defaults stay the published method; these are what measured better on the embedded sets
    /// (docs/quality.md), and dcgan, not measured, keeps the published recipe throughout.
    /// <list type="bullet">
    /// <item>End floor 0.75 for cyclegan (5.1, 7.8); for pix2pix the floor that falls with the target
    /// (<see cref="CoroNetGAN.Engine.Pruning.SearchSettings.EndFloorFor"/>: 0.75 at a quarter, 0.47 at a tenth; with the masked search 0.5 is better
    /// at a tenth and worse at a quarter, and 0.3 no better at a tenth, 9, 10).</item>
    /// <item>The fine-tune's learning rate restarted at the cut for pix2pix and cyclegan (7.6).</item>
    /// <item>The fine-tune in the hypernetwork's form for pix2pix and cyclegan (7.7).</item>
    /// <item>A fresh discriminator at the cut for pix2pix (7.8); cyclegan's continue (a restart cost L1 there, 7.3, 8.3).</item>
    /// <item>Self-distillation of weight <see cref="CycleGanDistill"/> for cyclegan (7.4).</item>
    /// <item>The masked search (<c>--search-mask on</c>) over 0.8 of the steps for pix2pix (8.5, 9); cyclegan's and dcgan's
    /// unmasked, over the share the caller gives (a long masked search collapsed a CycleGAN tenth, 8.5).</item>
    /// </list>
    /// </summary>
    public static PruneOptions WithModeDefaults(PruneOptions prune, TrainMode mode) => mode switch
    {
        TrainMode.Pix2Pix => prune with
        {
            EndFloor = null, FinetuneRate = CoroNetGAN.FinetuneRate.Restart, FinetuneFrom = FinetuneStart.Hyper,
            FinetuneD = CoroNetGAN.FinetuneDiscriminator.Restart, FinetuneDistill = 0,
            SearchMask = true, SearchShare = 0.8,
        },
        TrainMode.CycleGan => prune with
        {
            EndFloor = 0.75, FinetuneRate = CoroNetGAN.FinetuneRate.Restart, FinetuneFrom = FinetuneStart.Hyper,
            FinetuneD = CoroNetGAN.FinetuneDiscriminator.Continue, FinetuneDistill = CycleGanDistill,
        },
        _ => prune with
        {
            EndFloor = 0, FinetuneRate = CoroNetGAN.FinetuneRate.Continue, FinetuneFrom = FinetuneStart.Extracted,
            FinetuneD = CoroNetGAN.FinetuneDiscriminator.Continue, FinetuneDistill = 0,
        },
    };

    public static FinetuneStart ParseFinetuneFrom(string text) => text.Trim().ToLowerInvariant() switch
    {
        "extracted" => FinetuneStart.Extracted,
        "scratch" => FinetuneStart.Scratch,
        "hyper" => FinetuneStart.Hyper,
        _ => throw new ArgumentException($"--finetune-from must be extracted, scratch or hyper, got '{text}'."),
    };

    public static FinetuneDiscriminator ParseFinetuneD(string text) => text.Trim().ToLowerInvariant() switch
    {
        "continue" => CoroNetGAN.FinetuneDiscriminator.Continue,
        "restart" => CoroNetGAN.FinetuneDiscriminator.Restart,
        _ => throw new ArgumentException($"--finetune-d must be continue or restart, got '{text}'."),
    };

    public static CoroNetGAN.DistillSchedule ParseDistillSchedule(string text) => text.Trim().ToLowerInvariant() switch
    {
        "constant" => CoroNetGAN.DistillSchedule.Constant,
        "linear" => CoroNetGAN.DistillSchedule.Linear,
        _ => throw new ArgumentException($"--finetune-distill-schedule must be constant or linear, got '{text}'."),
    };

    static bool ParseDirection(string text) => text.Trim().ToLowerInvariant() switch
    {
        "atob" => false,
        "btoa" => true,
        _ => throw new ArgumentException($"--direction must be AtoB or BtoA, got '{text}'."),
    };

    static GanMode? ParseGan(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "lsgan" => CoroNetGAN.GanMode.Lsgan,
        "vanilla" => CoroNetGAN.GanMode.Vanilla,
        "hinge" => CoroNetGAN.GanMode.Hinge,
        _ => throw new ArgumentException($"--gan-mode must be lsgan, vanilla or hinge, got '{text}'."),
    };

    public static TrainMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pix2pix" => TrainMode.Pix2Pix,
        "cyclegan" => TrainMode.CycleGan,
        "dcgan" => TrainMode.Dcgan,
        _ => throw new ArgumentException($"--mode must be pix2pix, cyclegan or dcgan, got '{text}'."),
    };

    static GeneratorArch? ParseNetG(string? text)
    {
        if (text == null) return null;
        var names = Architectures.TrainNames;
        return Architectures.TrainArch(text)
            ?? throw new ArgumentException($"--net-g must be {string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}, got '{text}'.");
    }
}
