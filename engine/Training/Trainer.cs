using System.Diagnostics;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using static CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// A training run with the CoroNetGAN schedule: phase "search" trains generators built with a hypernetwork while a
/// <see cref="PruningSearch"/> per generator prunes its latents after every generator step, until every search has
/// met its MAC target (or its step budget); then the compact generators are extracted (the hypernetwork is dropped,
/// or with <see cref="FinetuneStart.Hyper"/> cut to the compact widths with them, and the generator optimizer starts
/// afresh; the discriminators continue) and phase "finetune" trains them for the remaining steps. With
/// <see cref="TrainOptions.NoPrune"/> plain generators train throughout (phase "train").
/// The learning rate follows one schedule over the whole run. Outputs go to <see cref="TrainOptions.OutputDirectory"/>:
/// <c>checkpoint-STEP.safetensors</c>, <c>compact.safetensors</c> (and <c>compact_BtoA.safetensors</c> for
/// CycleGAN), <c>extracted.safetensors</c> (and <c>extracted_BtoA.safetensors</c>: the compact generators as extracted,
/// before any fine-tune step), <c>report.json</c> and <c>history.json</c>.
/// </summary>
/// <remarks>
/// The loop (steps, schedule, search, extraction, events) lives here; <see cref="CheckpointStore"/> stores checkpoints,
/// <see cref="RunRecord"/> keeps the history and composes the report, <see cref="TestEvaluator"/> scores the test split
/// and <see cref="MacAccount"/> counts MACs. A mode is a subclass that builds its networks through the base constructor
/// and supplies <see cref="TrainStep"/> (and, where it differs, <see cref="NeedsPairedData"/>,
/// <see cref="CompactFileName"/>, <see cref="Evaluate"/>); it is added to <see cref="Create"/>.
/// Not thread-safe: create, run and dispose a trainer on one thread. Events are raised on that thread, synchronously,
/// between steps; a slow handler slows training. Create with <see cref="Create"/>, continue a stopped run with
/// <see cref="Resume"/>.
/// </remarks>
public abstract partial class Trainer : IDisposable
{
    /// <summary>Phase name while the search runs.</summary>
    public const string SearchPhase = "search";
    /// <summary>Phase name while the compact generators fine-tune.</summary>
    public const string FinetunePhase = "finetune";
    /// <summary>Phase name of a run without pruning.</summary>
    public const string TrainPhase = "train";

    private protected readonly IImageDataset TrainData;
    readonly IImageDataset? _testData;
    private protected readonly Device Device;
    DataLoader _loader;   // Distribute swaps in a rank's shard
    readonly LearningRateSchedule _schedule;
    private protected readonly List<GeneratorSlot> Generators = new();
    private protected readonly List<(string Name, Module Model)> Discriminators = new();
    private protected readonly Dictionary<string, ImagePool> Pools = new(StringComparer.Ordinal);
    ParameterSet _gParams = null!, _dParams = null!;
    private protected Adam OptimizerG = null!, OptimizerD = null!;
    readonly RunRecord _record = new();
    readonly MacAccount _macs;

    private protected Trainer(TrainOptions options, IImageDataset train, IImageDataset? test, Device device, string[] generators, string[] discriminators)
    {
        options.Validate();
        if (train.Size != options.Size)
            throw new ArgumentException($"the training images are {train.Size} px but the options say {options.Size} px.");
        if (NeedsPairedData && !train.Paired)
            throw new ArgumentException("pix2pix needs paired (aligned) training data; use CycleGAN for unpaired domains.");
        if (test != null && test.Size != options.Size)
            throw new ArgumentException($"the test images are {test.Size} px but the options say {options.Size} px.");
        Options = options;
        TrainData = train;
        _testData = test;
        Device = device;
        _loader = new DataLoader(train, options.BatchSize, (uint)options.Seed, options.SerialBatches);
        _schedule = new LearningRateSchedule(options.LearningRate, options.EffectiveDecayStart, options.TotalSteps);
        Phase = options.NoPrune ? TrainPhase : SearchPhase;

        for (int i = 0; i < generators.Length; i++)
        {
            var g = ModelFactory.Generator(options, device, RunSeeds.Generator(options.Seed, i), hyper: !options.NoPrune, widths: options.NoPrune ? options.Widths : null);
            TrainInit.Generator(options, i, g);
            PruningSearch? search = null;
            if (!options.NoPrune)
            {
                search = new PruningSearch(g, options.EffectivePrune.ToSearchSettings(options.TotalSteps));
                string name = generators[i];
                search.Log += line => Log?.Invoke($"{name}: {line}");
            }
            Generators.Add(new GeneratorSlot(generators[i], g, search));
        }
        for (int i = 0; i < discriminators.Length; i++)
        {
            var d = ModelFactory.Discriminator(options, device, RunSeeds.Discriminator(options.Seed, i));
            TrainInit.Discriminator(options, i, d);
            Discriminators.Add((discriminators[i], d));
        }
        _macs = new MacAccount(options);
        BuildOptimizerG();
        BuildOptimizerD();
    }

    /// <summary>The run's options.</summary>
    public TrainOptions Options { get; }

    /// <summary>Steps done.</summary>
    public long Step { get; private set; }

    /// <summary>The current phase: <see cref="SearchPhase"/>, <see cref="FinetunePhase"/> or <see cref="TrainPhase"/>.</summary>
    public string Phase { get; private set; }

    /// <summary>Raised after every step.</summary>
    public event Action<TrainProgress>? Progress;

    /// <summary>Raised every <see cref="TrainOptions.SampleEvery"/> steps, once per generator.</summary>
    public event Action<TrainSample>? Sample;

    /// <summary>Raised with human-readable lines: search checks, lambda changes, extraction, checkpoints.</summary>
    public event Action<string>? Log;

    /// <summary>Per-step records so far (also written to <c>history.json</c>).</summary>
    public IReadOnlyList<HistoryEntry> History => _record.Entries;

    /// <summary>The current generators by name (hyper generators during the search, compact ones after it).</summary>
    public IReadOnlyDictionary<string, Module> CurrentGenerators => Generators.ToDictionary(s => s.Name, s => s.Model);

    /// <summary>The fine-tune's teachers (<see cref="PruneOptions.FinetuneDistill"/>) by generator name; empty without them.</summary>
    internal IReadOnlyDictionary<string, Module> Teachers => Generators.Where(s => s.Teacher != null).ToDictionary(s => s.Name, s => s.Teacher!);

    /// <summary>The discriminators by name.</summary>
    public IReadOnlyDictionary<string, Module> CurrentDiscriminators => Discriminators.ToDictionary(d => d.Name, d => d.Model);

    /// <summary>Creates the trainer for <paramref name="options"/>' mode on <paramref name="device"/> (CPU when null).</summary>
    /// <param name="options">The run's configuration; validated here.</param>
    /// <param name="train">Training data (paired for pix2pix).</param>
    /// <param name="test">Optional test split; when paired, the report scores the compact generator on it.</param>
    /// <param name="device">Device to train on.</param>
    /// <exception cref="ArgumentException">A bad option or a dataset that does not fit; the message names it.</exception>
    public static Trainer Create(TrainOptions options, IImageDataset train, IImageDataset? test = null, Device? device = null) =>
        options.Mode switch
        {
            TrainMode.Pix2Pix => new Pix2PixTrainer(options, train, test, device ?? Device.Cpu),
            TrainMode.CycleGan => new CycleGanTrainer(options, train, test, device ?? Device.Cpu),
            TrainMode.Dcgan => new DcganTrainer(options, train, test, device ?? Device.Cpu),
            _ => throw new ArgumentException($"unknown mode {options.Mode}."),
        };

    /// <summary>
    /// Runs the remaining steps, then writes the final checkpoint, the compact generator(s), <c>report.json</c> and
    /// <c>history.json</c> and returns the report. On cancellation it writes a checkpoint first and then throws
    /// <see cref="OperationCanceledException"/>; <see cref="Resume"/> continues from there.
    /// </summary>
    public TrainReport Run(CancellationToken cancellation = default)
    {
        // Only the rank that writes files holds the folder's lock (the others of a distributed run share the folder).
        using var runLock = WritesFiles ? RunLock.Acquire(Options.OutputDirectory, line => Log?.Invoke(line)) : null;
        while (Step < Options.TotalSteps)
        {
            // A search ended by a RunStep call before Run: its extraction is saved before any fine-tune step of Run.
            if (_extractedUnsaved) SaveExtracted();
            if (StopRequested(cancellation))
            {
                Checkpoint();
                throw new OperationCanceledException(cancellation.IsCancellationRequested ? cancellation : new CancellationToken(true));
            }
            RunStep();
            if (_extractedUnsaved) SaveExtracted();
            if (Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0 && Step < Options.TotalSteps) Checkpoint();
        }
        Checkpoint();
        return Finish();
    }

    /// <summary>
    /// Runs the next step of the run exactly as <see cref="Run"/> does (batch, both optimizer steps, the search's
    /// proximal step and stop check, extraction when the search ends, history, events) but writes no file: for a
    /// caller that drives the loop itself, checkpointing when it wants with <see cref="SaveCheckpoint"/>.
    /// </summary>
    /// <returns>The step's progress record (also raised as <see cref="Progress"/>).</returns>
    /// <exception cref="InvalidOperationException">Every step of the run is done.</exception>
    public TrainProgress RunStep()
    {
        if (Step >= Options.TotalSteps)
            throw new InvalidOperationException($"the run's {Options.TotalSteps} steps are done; raise the total to train on.");
        CheckRanks();
        if (!_session.IsRunning) _session.Start();
        var watch = Stopwatch.StartNew();
        float lr = RateAt(Step);
        OptimizerG.LearningRate = lr;
        OptimizerD.LearningRate = lr;
        bool wantSample = Options.SampleEvery > 0 && (Step + 1) % Options.SampleEvery == 0;
        var batch = _loader.BatchAt(Step);
        var samples = new List<TrainSample>();
        _stepTensors.Clear();
        var all = AverageLosses(TrainStep(batch, wantSample ? samples : null));
        LastStepLosses = all;
        var losses = ReportedLossNames.Where(all.ContainsKey).ToDictionary(n => n, n => all[n], StringComparer.Ordinal);
        string phase = Phase;
        if (Phase == SearchPhase)
        {
            bool done = true;
            foreach (var g in Generators) done &= g.Search!.AfterStep(lr) != SearchState.Searching;
            if (done) Extract();
        }
        Step++;
        _sessionSteps++;
        double seconds = watch.Elapsed.TotalSeconds;
        double ratio = MacsRatio();
        _record.Add(new HistoryEntry(Step, phase, lr, ratio, losses), seconds);
        foreach (var s in samples) Sample?.Invoke(s with { Step = Step });
        var progress = new TrainProgress(Step, Options.TotalSteps, phase, losses, ratio, CurrentWidths(), lr, seconds, _session.Elapsed, _sessionSteps);
        Progress?.Invoke(progress);
        return progress;
    }

    /// <summary>
    /// The loss terms the run reports (history, progress), in the reference's order (its <c>loss_names</c>):
    /// pix2pix G_GAN, G_L1, D_real, D_fake; CycleGAN D_A, G_A, cycle_A, idt_A, D_B, G_B, cycle_B, idt_B.
    /// </summary>
    public abstract IReadOnlyList<string> LossNames { get; }

    /// <summary>The self-distillation terms a step returns (<see cref="Distillation"/>), in generator order.</summary>
    private protected virtual IReadOnlyList<string> DistillationNames => ["G_distill"];

    /// <summary>What the history and progress report: <see cref="LossNames"/>, and the distillation terms when the fine-tune distils (0 while searching).</summary>
    IEnumerable<string> ReportedLossNames => Distils ? LossNames.Concat(DistillationNames) : LossNames;

    /// <summary>Whether the fine-tune distils from teachers kept at the cut (a searched run with <see cref="PruneOptions.FinetuneDistill"/> above 0).</summary>
    bool Distils => !Options.NoPrune && Options.EffectivePrune.FinetuneDistill > 0;

    /// <summary><paramref name="teacher"/> with every parameter out of the gradient (a teacher is never trained).</summary>
    static Module Frozen(Module teacher)
    {
        SetRequiresGrad(teacher, false);
        return teacher;
    }

    /// <summary>
    /// Every loss term of the last step, as the reference computes them (weighted as they enter the sums): the
    /// reported <see cref="LossNames"/> and the sums and parts the reference computes but does not report (pix2pix D and
    /// G; CycleGAN G, D_A_real, D_A_fake, D_B_real, D_B_fake). Empty before the first step.
    /// </summary>
    public IReadOnlyDictionary<string, float> LastStepLosses { get; private set; } = new Dictionary<string, float>();

    /// <summary>
    /// When set, each step keeps host copies of its intermediate tensors in <see cref="StepTensors"/> under the
    /// reference's names (like its get_current_visuals, plus the discriminator maps): for inspecting or checking a
    /// step. Costs a device-to-host copy per tensor; off by default.
    /// </summary>
    public bool CaptureStepTensors { get; set; }

    /// <summary>
    /// The last step's tensors when <see cref="CaptureStepTensors"/> is set (pix2pix: fake_B, pred_fake_D, pred_real,
    /// pred_fake_G; CycleGAN: fake_B, rec_A, fake_A, rec_B, idt_A, idt_B, pred_G_A, pred_G_B, pred_D_A_real,
    /// pred_D_B_real), as F32 tensors of their shapes.
    /// </summary>
    public IReadOnlyDictionary<string, SafeTensor> StepTensors => _stepTensors;

    /// <summary>
    /// Raised when an optimizer's gradients for this step are complete, just before it updates its parameters
    /// (PyTorch's optimizer step pre-hook): a handler may read the gradients (<see cref="Tensor.Grad"/>) or change
    /// them in place, for logging, clipping or replaying given gradients. Raised on the training thread.
    /// </summary>
    public event Action<OptimizerStepInfo>? OptimizerStepping;

    /// <summary>
    /// Raised right after an optimizer updated its parameters, before their gradients are cleared (PyTorch's step
    /// post-hook): a handler may read or overwrite the new weights.
    /// </summary>
    public event Action<OptimizerStepInfo>? OptimizerStepped;

    readonly Stopwatch _session = new();
    long _sessionSteps;
    readonly Dictionary<string, SafeTensor> _stepTensors = new(StringComparer.Ordinal);

    /// <summary>Keeps a host copy of <paramref name="value"/> under <paramref name="name"/> when <see cref="CaptureStepTensors"/> is set.</summary>
    private protected void Capture(string name, Tensor value)
    {
        if (CaptureStepTensors) _stepTensors[name] = SafeTensor.FromFloats(value.ToArray(), value.Shape);
    }

    /// <summary>
    /// One step of <see cref="Run"/>'s loop (batch, optimizer steps, the search's proximal step) without events,
    /// history or checkpoints, and without ending the search: for benchmarks that time single steps.
    /// </summary>
    internal void StepForBenchmark()
    {
        float lr = RateAt(Step);
        OptimizerG.LearningRate = lr;
        OptimizerD.LearningRate = lr;
        TrainStep(_loader.BatchAt(Step), null);
        if (Phase == SearchPhase)
            foreach (var g in Generators) g.Search!.AfterStep(lr);
        Step++;
    }

    /// <summary>
    /// The mode's step: one optimizer step of every network on <paramref name="batch"/> (through
    /// <see cref="StepGenerators"/> and <see cref="StepDiscriminators"/>); returns every loss term (read with
    /// <see cref="ReadLosses"/>, once). Adds samples when asked.
    /// </summary>
    private protected abstract IReadOnlyDictionary<string, float> TrainStep(HostBatch batch, List<TrainSample>? samples);

    /// <summary>Whether the mode trains on paired (aligned) data only.</summary>
    private protected virtual bool NeedsPairedData => false;

    /// <summary>The file name of the <paramref name="index"/>-th generator's compact model in the run folder.</summary>
    private protected virtual string CompactFileName(int index) => index == 0 ? "compact.safetensors" : $"compact_{Generators[index].Name}.safetensors";

    /// <summary>
    /// Scores the finished run's main generator on the test split (only the rank that writes files scores); null when
    /// the mode has no score for that split. By default the paired image-to-image L1 of <see cref="TestEvaluator"/>.
    /// </summary>
    private protected virtual TestScores? Evaluate(IImageDataset test) =>
        test.Paired ? TestEvaluator.Score(Generators[0].Model, Device, Options.Size, test, TrainData) : null;

    /// <summary>
    /// The step's loss terms on the host (a null term reads as 0), read together with the step tape's deferred finite
    /// checks in one device-to-host copy: the one read of a step's losses. Call at the end of the step, on the tape
    /// opened with <c>new Tape(deferFiniteChecks: true)</c>.
    /// </summary>
    /// <exception cref="ArithmeticException">A loss of the step is NaN or infinite; the message names the op.</exception>
    private protected static IReadOnlyDictionary<string, float> ReadLosses(Tape tape, params (string Name, Tensor? Value)[] terms)
    {
        var values = tape.ReadScalars(terms.Select(t => t.Value).ToArray());
        var losses = new Dictionary<string, float>(terms.Length, StringComparer.Ordinal);
        for (int i = 0; i < terms.Length; i++) losses[terms[i].Name] = values[i];
        return losses;
    }

    /// <summary>
    /// Ends the search: swaps every hyper generator for its compact extraction (or, with <see cref="FinetuneStart.Scratch"/>,
    /// a fresh generator of its widths; with <see cref="FinetuneStart.Hyper"/>, a hyper generator of its widths holding
    /// what the extraction keeps) and restarts the G optimizer; with <see cref="FinetuneDiscriminator.Restart"/> the
    /// discriminators and their optimizer start afresh too; with <see cref="PruneOptions.FinetuneDistill"/> each hyper
    /// generator is first kept as a plain full-width teacher.
    /// </summary>
    void Extract()
    {
        var prune = Options.EffectivePrune;
        for (int i = 0; i < Generators.Count; i++)
        {
            var g = Generators[i];
            if (Distils) g.Teacher = Frozen(g.Search!.Teacher());
            var compact = g.Search!.Extract();
            var widths = ModelFactory.Widths(compact);
            Log?.Invoke($"{g.Name}: extracted the compact generator at step {Step + 1}: widths [{string.Join(",", widths)}], " +
                $"{g.Search.CurrentRatio:P2} of the full MACs");
            // Kept aside until extracted.safetensors is written: a caller driving RunStep may take fine-tune steps
            // before Run saves it, and the published fine-tune trains the extraction itself.
            _pendingExtracted.Add(prune.FinetuneFrom == FinetuneStart.Extracted ? g.Search.Extract() : compact);
            if (prune.FinetuneFrom == FinetuneStart.Scratch)
            {
                compact = ModelFactory.Generator(Options, Device, RunSeeds.FinetuneGeneratorSeed(Options.Seed, i), hyper: false, widths: widths);
                Log?.Invoke($"{g.Name}: the fine-tune starts from fresh weights at these widths");
            }
            else if (prune.FinetuneFrom == FinetuneStart.Hyper)
            {
                compact = ModelFactory.Generator(Options, Device, 0, hyper: true, widths: widths);
                g.Search.CopyKept(compact);
                Log?.Invoke($"{g.Name}: the fine-tune keeps the hypernetwork's form at these widths");
            }
            g.Search.Unmask();
            g.Model.Dispose();
            g.Model = compact;
        }
        OptimizerG.Dispose();
        _gParams.Dispose();
        BuildOptimizerG();
        if (prune.FinetuneD == FinetuneDiscriminator.Restart)
        {
            for (int i = 0; i < Discriminators.Count; i++)
            {
                var (name, old) = Discriminators[i];
                old.Dispose();
                Discriminators[i] = (name, ModelFactory.Discriminator(Options, Device, RunSeeds.FinetuneDiscriminatorSeed(Options.Seed, i)));
            }
            OptimizerD.Dispose();
            _dParams.Dispose();
            BuildOptimizerD();
            Log?.Invoke("the discriminators restart from fresh weights for the fine-tune");
        }
        SetDropoutStreams();
        Phase = FinetunePhase;
        _finetuneStart = Step + 1;
        _extractedUnsaved = true;
    }

    /// <summary>The first step of the fine-tune phase (the search's steps); null while the search runs or without one.</summary>
    long? _finetuneStart;
    bool _extractedUnsaved;
    /// <summary>The generators as extracted at the cut, kept apart from the ones the fine-tune trains, until saved.</summary>
    readonly List<Module> _pendingExtracted = new();

    /// <summary>
    /// The learning rate of (0-based) step <paramref name="step"/>: the run's one schedule, or during the fine-tune with
    /// <see cref="FinetuneRate.Restart"/> a fresh one over the fine-tune's steps (the base rate for their first half,
    /// then the linear decay to 0), a pure function of the step and the extraction step, so a resumed run needs no state.
    /// </summary>
    float RateAt(long step) =>
        Phase == FinetunePhase && _finetuneStart is { } s && Options.EffectivePrune.FinetuneRate == FinetuneRate.Restart
            ? new LearningRateSchedule(Options.LearningRate, (int)(s + (Options.TotalSteps - s) / 2), Options.TotalSteps).At(step)
            : _schedule.At(step);

    /// <summary>The file name of a generator as extracted (before fine-tuning), beside its compact file <paramref name="compactFileName"/>.</summary>
    static string ExtractedFileName(string compactFileName) => "extracted" + compactFileName["compact".Length..];

    /// <summary>
    /// Writes the compact generator(s) as they are right after extraction, before the first fine-tune step, as ordinary
    /// model files (<c>extracted.safetensors</c>, CycleGAN's <c>extracted_BtoA.safetensors</c>), atomically, so the loss
    /// at extraction and the fine-tune's recovery can be told apart. Only the rank that writes files writes them.
    /// </summary>
    void SaveExtracted()
    {
        _extractedUnsaved = false;
        try
        {
            if (!WritesFiles) return;
            for (int i = 0; i < Generators.Count; i++)
                ModelFile.Save(_pendingExtracted[i], Path.Combine(Options.OutputDirectory, ExtractedFileName(CompactFileName(i))), Options.Size);
        }
        finally
        {
            foreach (var m in _pendingExtracted) m.Dispose();
            _pendingExtracted.Clear();
        }
    }

    void BuildOptimizerG()
    {
        _gParams = Combined(Generators.Select(g => (g.Name, g.Model)));
        OptimizerG = new Adam(_gParams, Options.LearningRate, Options.Beta1);
    }

    void BuildOptimizerD()
    {
        _dParams = Combined(Discriminators);
        OptimizerD = new Adam(_dParams, Options.LearningRate, Options.Beta1);
    }

    /// <summary>One parameter set over several models, names prefixed by model (CycleGAN's itertools.chain).</summary>
    static ParameterSet Combined(IEnumerable<(string Name, Module Model)> models)
    {
        var set = new ParameterSet(ownsTensors: false);
        foreach (var (name, model) in models)
            foreach (var (p, t) in model.NamedParameters()) set.Add($"{name}.{p}", t);
        return set;
    }

    /// <summary>Current MACs over full MACs: the search's last check while it runs, else the plain generators' (counted once each).</summary>
    double MacsRatio() => Phase == SearchPhase
        ? Generators.Average(g => g.Search!.CurrentRatio)
        : Generators.Average(g => (double)_macs.Of(g.Model) / _macs.FullMacs);

    /// <summary>Meta models counted for MACs so far (for the test that MACs are counted once they are fixed).</summary>
    internal int MacCounts => _macs.Counts;

    Dictionary<string, int[]> CurrentWidths() => Generators.ToDictionary(g => g.Name,
        g => Phase == SearchPhase && g.Search is { CurrentWidths.Length: > 0 } s ? s.CurrentWidths : ModelFactory.Widths(g.Model));

    /// <summary>Sets whether a network's parameters collect gradients (the reference's set_requires_grad).</summary>
    private protected static void SetRequiresGrad(Module model, bool on)
    {
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = on;
    }

    /// <summary>Runs one step of the generators' optimizer ("G") and clears its gradients, raising the step hooks.</summary>
    private protected void StepGenerators() => StepAndClear("G", OptimizerG, _gParams);

    /// <summary>Runs one step of the discriminators' optimizer ("D") and clears its gradients, raising the step hooks.</summary>
    private protected void StepDiscriminators() => StepAndClear("D", OptimizerD, _dParams);

    void StepAndClear(string name, Adam optimizer, ParameterSet parameters)
    {
        OptimizerStepInfo? info = OptimizerStepping != null || OptimizerStepped != null ? new(Step, name, parameters.Items) : null;
        if (info != null) OptimizerStepping?.Invoke(info);
        optimizer.Step();
        if (info != null) OptimizerStepped?.Invoke(info);
        optimizer.ZeroGrad();
    }

    /// <summary>
    /// The fine-tune's self-distillation term of generator <paramref name="index"/> (<see cref="PruneOptions.FinetuneDistill"/>):
    /// the step's weight (<see cref="DistillWeight"/>) times mean |<paramref name="output"/> - teacher(<paramref name="input"/>)|,
    /// the teacher being the generator as it was at the cut; null while there is no teacher (the search, or a weight of 0).
    /// The teacher's parameters take no gradient, so its forward records nothing on the tape.
    /// </summary>
    private protected Tensor? Distillation(int index, Tensor input, Tensor output) =>
        Generators[index].Teacher is { } teacher
            ? Scale(L1Loss(output, teacher.Forward(input)), DistillWeight(Step))
            : null;

    /// <summary>
    /// The self-distillation weight of (0-based) step <paramref name="step"/> of the fine-tune: the option's weight, or with
    /// <see cref="DistillSchedule.Linear"/> that weight times (total - step) / (total - first fine-tune step), a pure
    /// function of the step and the extraction step like <see cref="RateAt"/>, so a resumed run needs no state.
    /// </summary>
    internal float DistillWeight(long step)
    {
        var p = Options.EffectivePrune;
        if (p.DistillSchedule == DistillSchedule.Constant || _finetuneStart is not { } s) return p.FinetuneDistill;
        return (float)(p.FinetuneDistill * (double)(Options.TotalSteps - step) / Math.Max(1, Options.TotalSteps - s));
    }

    /// <summary>The first image of an NCHW host array.</summary>
    private protected static float[] First(float[] batch, int size) => batch.AsSpan(0, ImageIO.Channels * size * size).ToArray();

    /// <summary>Writes the compact generator(s), scores the test split and writes <c>report.json</c> (in a distributed
    /// run only rank 0 writes and scores; the other ranks return the report without them).</summary>
    TrainReport Finish()
    {
        string dir = Options.OutputDirectory;
        bool write = WritesFiles;
        var files = new List<string>();
        // A fine-tune in the hypernetwork's form ends as plain generators: the files, the scores and the report are of
        // those; the hyper ones come back afterwards, so the trainer's state stays that of its last checkpoint.
        var trained = Generators.Select(g => g.Model).ToList();
        if (Phase == FinetunePhase)
            foreach (var g in Generators)
                if (g.Model is IPrunableGenerator { Hyper: not null }) g.Model = HyperNetwork.Materialise(g.Model);
        try
        {
            for (int i = 0; i < Generators.Count; i++)
            {
                string file = Path.Combine(dir, CompactFileName(i));
                if (write) ModelFile.Save(Generators[i].Model, file, Options.Size);
                files.Add(file);
            }
            var test = write && _testData != null ? Evaluate(_testData) : null;
            // A run resumed from a folder written before extracted models were kept has none; the report names only files that exist.
            var extracted = Options.NoPrune ? [] : Enumerable.Range(0, Generators.Count)
                .Select(i => Path.Combine(dir, ExtractedFileName(CompactFileName(i)))).TakeWhile(File.Exists).ToList();
            var report = _record.Compose(Options, ModeName, ArchName, _macs, Generators, files, test, extracted);
            if (write) _record.WriteReport(dir, report);
            return report;
        }
        finally
        {
            for (int i = 0; i < Generators.Count; i++)
                if (!ReferenceEquals(Generators[i].Model, trained[i]))
                {
                    Generators[i].Model.Dispose();
                    Generators[i].Model = trained[i];
                }
        }
    }

    /// <summary>Frees every model and optimizer state.</summary>
    public void Dispose()
    {
        OptimizerG.Dispose();
        OptimizerD.Dispose();
        _gParams.Dispose();
        _dParams.Dispose();
        foreach (var g in Generators) { g.Model.Dispose(); g.Teacher?.Dispose(); }
        foreach (var m in _pendingExtracted) m.Dispose();
        foreach (var (_, d) in Discriminators) d.Dispose();
        GC.SuppressFinalize(this);
    }
}
