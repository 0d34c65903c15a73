using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>Which recipe a run trains.</summary>
public enum TrainMode
{
    /// <summary>Paired translation A -> B with a conditional PatchGAN and an L1 term (pix2pix).</summary>
    Pix2Pix,
    /// <summary>Unpaired translation with two generators, two PatchGANs, cycle and identity terms (CycleGAN).</summary>
    CycleGan,
    /// <summary>Images from noise with the DCGAN generator and discriminator (Radford et al. 2015); the real images are the data's A side.</summary>
    Dcgan,
}

/// <summary>The generator architecture.</summary>
public enum GeneratorArch
{
    /// <summary>ResNet generator with 9 residual blocks.</summary>
    Resnet9,
    /// <summary>ResNet generator with 6 residual blocks.</summary>
    Resnet6,
    /// <summary>U-Net with log2(size) downsamplings (pix2pix only).</summary>
    Unet,
    /// <summary>DCGAN generator from noise with log2(size) - 2 stages (dcgan mode only).</summary>
    Dcgan,
}

/// <summary>The adversarial loss.</summary>
public enum GanMode
{
    /// <summary>Least squares (MSE against 1/0): CycleGAN's default.</summary>
    Lsgan,
    /// <summary>Binary cross-entropy on logits: pix2pix's default.</summary>
    Vanilla,
    /// <summary>Hinge loss (GAN Compression's pix2pix).</summary>
    Hinge,
}

/// <summary>How the search's sparsity pressure (the proximal step's shrink, lambda x learning rate) is shared among the layers.</summary>
public enum PrunePressure
{
    /// <summary>The same shrink for every latent entry (DHP, the published method): the search cuts where latents are small.</summary>
    Uniform,
    /// <summary>Each layer's shrink scaled by the MACs one of its channels costs (at the full widths), normalised to a mean of 1
    /// over all prunable channels: cheap channels are kept and the search cuts where the MACs are.</summary>
    Macs,
}

/// <summary>When the search ends.</summary>
public enum SearchEnd
{
    /// <summary>As soon as the MACs meet the target (DHP's stop rule, the published method), or when the step budget forces the cut.</summary>
    Target,
    /// <summary>When its step budget (the search share) is spent: once the target is met the pruning stops and the masks hold
    /// while the hypernetwork trains on; at the budget the target is checked again (and forced if channels grew back).</summary>
    Budget,
}

/// <summary>The learning rate of the fine-tune after extraction.</summary>
public enum FinetuneRate
{
    /// <summary>The run's one schedule continues (the published method).</summary>
    Continue,
    /// <summary>The schedule restarts at extraction: the base rate for the first half of the fine-tune's steps, then the linear decay to 0.</summary>
    Restart,
}

/// <summary>The generator's weights when the fine-tune starts.</summary>
public enum FinetuneStart
{
    /// <summary>The weights the search ends with, cut to the compact widths (the published method).</summary>
    Extracted,
    /// <summary>Fresh random weights at the compact widths: the search only chooses the architecture, which the fine-tune then
    /// trains from scratch (Liu et al., "Rethinking the Value of Network Pruning", ICLR 2019).</summary>
    Scratch,
    /// <summary>The weights the search ends with, kept in the hypernetwork's form: a hyper generator at the compact widths,
    /// its latents and hypernetwork sliced to the kept channels, fine-tunes and is turned into the plain compact generator
    /// only when a model file is written. The hypernetwork's parameterisation trains faster than plain weights
    /// (docs/quality.md 6 and 7.7); each step costs the weight generation on top of the compact convs.</summary>
    Hyper,
}

/// <summary>The discriminators when the fine-tune starts.</summary>
public enum FinetuneDiscriminator
{
    /// <summary>They train on as they are (the published method).</summary>
    Continue,
    /// <summary>Fresh random weights and a fresh optimizer: a discriminator trained against the full-width generator is not
    /// pitted against the narrow one.</summary>
    Restart,
}

/// <summary>The weight of the fine-tune's self-distillation term over the fine-tune's steps.</summary>
public enum DistillSchedule
{
    /// <summary>The same weight for every fine-tune step.</summary>
    Constant,
    /// <summary>The full weight at the cut, falling linearly to 0 at the end of the run: the teacher steadies the narrow
    /// generator right after the cut and lets it go where it can do better than a snapshot from the middle of training.</summary>
    Linear,
}

/// <summary>
/// How the CoroNetGAN search prunes the generator(s): the target (a ratio of the full MACs or GMACs) and the search
/// controller's knobs; see <see cref="SearchSettings"/>. The step budget is <see cref="SearchShare"/> of the run's steps.
/// </summary>
/// <param name="TargetRatio">Target MACs / full MACs, in (0, 1].</param>
/// <param name="TargetGMacs">Target in GMACs at <see cref="MacImageSize"/> (give this or the ratio).</param>
/// <param name="Lambda">Initial regularisation factor of the proximal step (DHP: 0.1).</param>
/// <param name="SearchShare">Fraction of the total steps the search may take before the target is forced.</param>
/// <param name="MinChannels">Channels every prunable layer keeps.</param>
/// <param name="CheckEvery">Steps between MAC checks.</param>
/// <param name="StopTolerance">The search ends with the MACs at most the target and at least (1 - this) x the target.</param>
/// <param name="MacImageSize">Image size the MACs are counted at (256, the paper's convention).</param>
/// <param name="Pressure">How the sparsity pressure is shared among the layers (uniform: DHP, the published method).</param>
/// <param name="EndFloor">Fraction of their channels the first and last prunable layers keep at least (0: DHP's minimum only;
/// null: a floor that falls with the target, <see cref="SearchSettings.EndFloorFor"/>).</param>
/// <param name="SearchUntil">When the search ends: at the target (DHP, the published method) or at the end of its step budget.</param>
/// <param name="FinetuneRate">The fine-tune's learning rate: the run's schedule continues (published) or restarts at extraction.</param>
/// <param name="FinetuneFrom">The generator's weights at extraction: as extracted (published), fresh at the compact widths, or
/// kept in the hypernetwork's form at the compact widths.</param>
/// <param name="FinetuneD">The discriminators at extraction: they continue (published) or restart from fresh weights.</param>
/// <param name="FinetuneDistill">Weight of the fine-tune's self-distillation term: each compact generator's loss adds this
/// times the mean absolute difference between its output and that of the generator as it was at the cut (full width,
/// frozen), on the same input. 0 (the published method) adds nothing.</param>
/// <param name="DistillSchedule">How <paramref name="FinetuneDistill"/> runs over the fine-tune: constant, or falling linearly to 0.</param>
/// <param name="LayerFloor">Fraction of their channels all prunable layers keep at least (0: DHP's minimum only); the end
/// layers keep the larger of this and <paramref name="EndFloor"/>.</param>
/// <param name="SearchMask">Whether the search zeroes the pruned channels' activations from each MAC check on (false: DHP, the
/// published method, searches unmasked and the cut changes the function; see <see cref="SearchSettings.MaskPruned"/>).</param>
public sealed record PruneOptions(
    double? TargetRatio = 0.5,
    double? TargetGMacs = null,
    float Lambda = 0.1f,
    double SearchShare = 0.5,
    int MinChannels = 4,
    int CheckEvery = 100,
    double StopTolerance = 0.04,
    int MacImageSize = 256,
    PrunePressure Pressure = PrunePressure.Uniform,
    double? EndFloor = 0,
    SearchEnd SearchUntil = SearchEnd.Target,
    FinetuneRate FinetuneRate = FinetuneRate.Continue,
    FinetuneStart FinetuneFrom = FinetuneStart.Extracted,
    FinetuneDiscriminator FinetuneD = FinetuneDiscriminator.Continue,
    float FinetuneDistill = 0,
    DistillSchedule DistillSchedule = DistillSchedule.Constant,
    double LayerFloor = 0,
    bool SearchMask = false)
{
    /// <summary>The search settings for a run of <paramref name="totalSteps"/> steps.</summary>
    public SearchSettings ToSearchSettings(int totalSteps) => new(
        TargetRatio: TargetRatio, TargetGMacs: TargetGMacs, Lambda: Lambda, MinChannels: MinChannels, StopTolerance: StopTolerance,
        CheckEvery: CheckEvery, StepBudget: Math.Max(1, (int)Math.Round(totalSteps * SearchShare)), ImageSize: MacImageSize,
        Pressure: Pressure, EndFloor: EndFloor, RunToBudget: SearchUntil == SearchEnd.Budget, LayerFloor: LayerFloor, MaskPruned: SearchMask);
}

/// <summary>
/// Everything a training run is configured by; the defaults are the reference recipes of METHOD.md 4.3, with the
/// mode-dependent ones (GAN loss, pool size, generator) left null to mean "the recipe's default for the mode".
/// Immutable, so safe to share between threads.
/// </summary>
/// <param name="Mode">Pix2Pix or CycleGAN.</param>
/// <param name="Size">Training image size (a multiple of 4; a power of two for the U-Net).</param>
/// <param name="TotalSteps">Optimizer steps of the whole run (search + fine-tuning).</param>
/// <param name="OutputDirectory">Where checkpoints, the compact model and the report go.</param>
/// <param name="Ngf">Generator base width (64 in the papers; the demo uses 16).</param>
/// <param name="NetG">Generator; null: U-Net for pix2pix, ResNet-9 for CycleGAN.</param>
/// <param name="Ndf">Discriminator base width.</param>
/// <param name="Gan">Adversarial loss; null: vanilla for pix2pix, LSGAN for CycleGAN.</param>
/// <param name="LambdaL1">Pix2pix L1 weight.</param>
/// <param name="LambdaA">CycleGAN cycle weight A -> B -> A.</param>
/// <param name="LambdaB">CycleGAN cycle weight B -> A -> B.</param>
/// <param name="LambdaIdentity">CycleGAN identity weight, relative to the cycle weights.</param>
/// <param name="PoolSize">Image pool of fakes for D; null: 50 for CycleGAN, 0 for pix2pix.</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="Beta1">Adam beta1.</param>
/// <param name="DecayStart">Step at which the linear decay to 0 begins; null: half of the total.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="Seed">Seed of initialisation, data order, augmentation, dropout and the pool.</param>
/// <param name="Prune">Search settings; ignored when <see cref="NoPrune"/>.</param>
/// <param name="NoPrune">Train plain full-width generators throughout (the comparison run).</param>
/// <param name="CheckpointEvery">Steps between checkpoints (0: only at the end or on cancellation).</param>
/// <param name="SampleEvery">Steps between sample events (0: none).</param>
/// <param name="KeepCheckpoints">Checkpoints kept on disk (at least 2, so a good one survives a bad write).</param>
/// <param name="Norm">Normalisation of the generator and discriminator (the reference's opt.norm, our --norm); null: batch for pix2pix,
/// instance for CycleGAN.</param>
/// <param name="Dropout">Dropout in the generator (the reference's default; false is its opt.no_dropout); null: on for
/// pix2pix, off for CycleGAN.</param>
/// <param name="LayersD">Strided conv layers of the PatchGAN discriminator (the reference's opt.n_layers_D; 3 is the 70x70 PatchGAN).</param>
/// <param name="SerialBatches">Take the training samples in order instead of a shuffled order (the reference's
/// opt.serial_batches): step k trains on samples k x batch .. (k + 1) x batch - 1 of the dataset, modulo its size.</param>
/// <param name="Widths">Per-layer widths of a plain generator trained from scratch (with <see cref="NoPrune"/>; for
/// example a uniformly narrowed one to compare with a compressed one); null: full width.</param>
/// <param name="BtoA">Translate B to A (the reference's opt.direction BtoA): the domains swap wholesale, in training and
/// test data.</param>
/// <param name="NoFlip">No random horizontal flips of the training images (the reference's opt.no_flip).</param>
/// <param name="InitGenerators">Model files (<c>coronetgan-model</c>) the generators start from instead of random weights
/// (our --init): the first for A -> B, a second for CycleGAN's B -> A. A searching generator starts from them through
/// <see cref="HyperInit"/> (its hypernetwork generates exactly those weights at step 0); each file must be a full-width
/// generator of this run's architecture, ngf and norm. Null or a shorter list: the rest start from random weights.</param>
/// <param name="InitDiscriminators">Model files the discriminators start from (our --init-d), in the same order.</param>
/// <param name="Ranks">Processes that train the run together, data parallel (<see cref="Trainer.Distribute"/>): each takes
/// <see cref="BatchSize"/> samples of a global batch of Ranks x BatchSize. 1: a single process.</param>
public sealed record TrainOptions(
    TrainMode Mode,
    int Size,
    int TotalSteps,
    string OutputDirectory,
    int Ngf = 64,
    GeneratorArch? NetG = null,
    int Ndf = 64,
    GanMode? Gan = null,
    float LambdaL1 = 100f,
    float LambdaA = 10f,
    float LambdaB = 10f,
    float LambdaIdentity = 0.5f,
    int? PoolSize = null,
    float LearningRate = 2e-4f,
    float Beta1 = 0.5f,
    int? DecayStart = null,
    int BatchSize = 1,
    int Seed = 0,
    PruneOptions? Prune = null,
    bool NoPrune = false,
    int CheckpointEvery = 0,
    int SampleEvery = 0,
    int KeepCheckpoints = 2,
    NormKind? Norm = null,
    bool? Dropout = null,
    int LayersD = 3,
    bool SerialBatches = false,
    IReadOnlyList<int>? Widths = null,
    int Ranks = 1,
    bool BtoA = false,
    bool NoFlip = false,
    IReadOnlyList<string>? InitGenerators = null,
    IReadOnlyList<string>? InitDiscriminators = null)
{
    /// <summary>The normalisation in effect.</summary>
    public NormKind EffectiveNorm => Norm ?? (Mode is TrainMode.Pix2Pix or TrainMode.Dcgan ? NormKind.Batch : NormKind.Instance);

    /// <summary>Downsamplings of the U-Net at <see cref="Size"/>: unet_256's 8, log2(size) for smaller images.</summary>
    public int UnetDowns => ModelFactory.UnetDowns(Size);

    /// <summary>Whether the generator uses dropout.</summary>
    public bool EffectiveDropout => Dropout ?? Mode == TrainMode.Pix2Pix;

    /// <summary>The generator in effect.</summary>
    public GeneratorArch EffectiveNetG => NetG ?? Mode switch
    {
        TrainMode.Pix2Pix => GeneratorArch.Unet,
        TrainMode.Dcgan => GeneratorArch.Dcgan,
        _ => GeneratorArch.Resnet9,
    };

    /// <summary>The GAN loss in effect.</summary>
    public GanMode EffectiveGan => Gan ?? (Mode is TrainMode.Pix2Pix or TrainMode.Dcgan ? GanMode.Vanilla : GanMode.Lsgan);

    /// <summary>The image pool size in effect.</summary>
    public int EffectivePoolSize => PoolSize ?? (Mode == TrainMode.CycleGan ? 50 : 0);

    /// <summary>The step the linear decay starts at.</summary>
    public int EffectiveDecayStart => DecayStart ?? TotalSteps / 2;

    /// <summary>The prune settings in effect (the defaults when none were given).</summary>
    public PruneOptions EffectivePrune => Prune ?? new PruneOptions();

    /// <summary>Checks every value and combination; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        static void Need(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        Need(TotalSteps >= 1, $"the number of steps must be at least 1, got {TotalSteps}.");
        Need(Size >= 8 && Size % 4 == 0 && Size <= Engine.Data.ImageLimits.MaxImageSize, $"the image size must be a multiple of 4 in [8, {Engine.Data.ImageLimits.MaxImageSize}], got {Size}.");
        Need(Ngf >= 1 && Ndf >= 1, $"ngf and ndf must be positive, got {Ngf} and {Ndf}.");
        Need(BatchSize >= 1, $"the batch size must be at least 1, got {BatchSize}.");
        Need(Ranks >= 1, $"the number of ranks must be at least 1, got {Ranks}.");
        Need(LearningRate > 0 && float.IsFinite(LearningRate), $"the learning rate must be positive, got {LearningRate}.");
        Need(EffectivePoolSize >= 0, $"the pool size must be >= 0, got {PoolSize}.");
        Need(EffectiveDecayStart >= 0 && EffectiveDecayStart <= TotalSteps, $"the decay start must be in [0, {TotalSteps}], got {DecayStart}.");
        Need(CheckpointEvery >= 0 && SampleEvery >= 0, "checkpoint and sample intervals must be >= 0.");
        Need(new[] { LambdaL1, LambdaA, LambdaB, LambdaIdentity }.All(l => l >= 0 && float.IsFinite(l)),
            $"the loss weights must be finite and >= 0, got L1 {LambdaL1}, A {LambdaA}, B {LambdaB}, identity {LambdaIdentity}.");
        Need(Beta1 >= 0 && Beta1 < 1, $"beta1 must be in [0, 1), got {Beta1}.");
        Need(LayersD >= 1 && LayersD <= 6, $"the discriminator needs 1 to 6 strided layers, got {LayersD}.");
        Need(Norm is null or NormKind.Batch or NormKind.Instance, $"the norm must be batch or instance, got {Norm}.");
        Need(Widths == null || NoPrune, "given widths train a plain generator from scratch: they need NoPrune (the search finds its own widths).");
        int models = Mode == TrainMode.CycleGan ? 2 : 1;
        Need((InitGenerators?.Count ?? 0) <= models && (InitDiscriminators?.Count ?? 0) <= models,
            $"{Mode} trains {models} generator(s) and discriminator(s); got {InitGenerators?.Count ?? 0} generator and {InitDiscriminators?.Count ?? 0} discriminator init file(s) (--init, --init-d).");
        Need((InitGenerators ?? []).Concat(InitDiscriminators ?? []).All(f => !string.IsNullOrWhiteSpace(f)), "an init model file name (--init, --init-d) is empty.");
        Need(KeepCheckpoints >= 2, $"at least 2 checkpoints are kept, so a good one survives an interrupted write; got {KeepCheckpoints}.");
        Need(!string.IsNullOrWhiteSpace(OutputDirectory), "an output directory is required.");
        if (EffectiveNetG == GeneratorArch.Unet)
        {
            Need(Size >= 32 && (Size & (Size - 1)) == 0, $"the U-Net needs a power-of-two image size of at least 32, got {Size}.");
        }
        Need((EffectiveNetG == GeneratorArch.Dcgan) == (Mode == TrainMode.Dcgan),
            Mode == TrainMode.Dcgan ? $"dcgan mode trains the DCGAN generator, not {EffectiveNetG}." : "the DCGAN generator makes images from noise: it trains in dcgan mode only.");
        if (Mode == TrainMode.Dcgan)
        {
            Need((Size & (Size - 1)) == 0 && Size >= 8, $"DCGAN needs a power-of-two image size of at least 8 (32 or 64 in the reference), got {Size}.");
            Need(Norm is null or NormKind.Batch, $"the DCGAN generator and discriminator use batch norm, got {Norm}.");
            Need(Dropout is null or false, "the DCGAN generator has no dropout.");
        }
        if (!NoPrune)
        {
            var p = EffectivePrune;
            Need(p.TargetRatio == null || p.TargetGMacs == null, $"give one target, TrainOptions.Prune.TargetRatio ({p.TargetRatio}) or TrainOptions.Prune.TargetGMacs ({p.TargetGMacs}), not both.");
            Need(p.Lambda >= 0 && p.Lambda <= SearchSettings.MaxLambda, $"the search's lambda (TrainOptions.Prune.Lambda) must be in [0, {SearchSettings.MaxLambda}], got {p.Lambda}.");
            Need(p.SearchShare > 0 && p.SearchShare <= 1, $"the search share of the steps must be in (0, 1], got {p.SearchShare}.");
            Need(p.EndFloor is null or (>= 0 and <= 1), $"the end layers' floor (TrainOptions.Prune.EndFloor) is a fraction of their channels in [0, 1], got {p.EndFloor}.");
            Need(p.LayerFloor >= 0 && p.LayerFloor <= 1, $"the layers' floor (TrainOptions.Prune.LayerFloor) is a fraction of their channels in [0, 1], got {p.LayerFloor}.");
            Need(Enum.IsDefined(p.Pressure), $"unknown pressure (TrainOptions.Prune.Pressure) {p.Pressure}.");
            Need(Enum.IsDefined(p.SearchUntil), $"unknown search end (TrainOptions.Prune.SearchUntil) {p.SearchUntil}.");
            Need(Enum.IsDefined(p.FinetuneRate), $"unknown fine-tune rate (TrainOptions.Prune.FinetuneRate) {p.FinetuneRate}.");
            Need(Enum.IsDefined(p.FinetuneFrom), $"unknown fine-tune start (TrainOptions.Prune.FinetuneFrom) {p.FinetuneFrom}.");
            Need(Enum.IsDefined(p.FinetuneD), $"unknown discriminator handling at extraction (TrainOptions.Prune.FinetuneD) {p.FinetuneD}.");
            Need(Enum.IsDefined(p.DistillSchedule), $"unknown self-distillation schedule (TrainOptions.Prune.DistillSchedule) {p.DistillSchedule}.");
            Need(float.IsFinite(p.FinetuneDistill) && p.FinetuneDistill >= 0, $"the self-distillation weight (TrainOptions.Prune.FinetuneDistill) must be a finite number >= 0, got {p.FinetuneDistill}.");
            Need(p.MacImageSize >= 32 && p.MacImageSize % 4 == 0, $"the MAC counting size must be a multiple of 4 and at least 32, got {p.MacImageSize}.");
        }
        // The architecture checks the widths (count against its layout, each at least 1) on the shapes-only device, so a
        // bad list is refused before a run folder exists.
        if (Widths != null) GeneratorShapes.Macs(this, Widths);
    }
}
