using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Optim;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Training;
using static CoroNetGAN.Tests.CliRunner;

namespace CoroNetGAN.Tests;

/// <summary>
/// The masked search (<c>--search-mask on</c>, <see cref="SearchSettings.MaskPruned"/>): from each MAC check on, the pruned
/// channels' activations are zeroed, so the searching generator computes what its extraction computes; DHP's unmasked
/// search does not.
/// </summary>
public sealed class SearchMaskTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "coronetgan-search-mask-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    static float[] Forward(Module m, float[] x, int[] shape)
    {
        using var scope = Tape.NoGrad();
        return m.Forward(Tensor.FromArray(Device.Cpu, x, shape)).ToArray();
    }

    static double MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => (double)Math.Abs(p.First - p.Second));
    }

    /// <summary>A hyper generator of each family with its input shape (a batch of 2: the batch-norm families normalise over it).</summary>
    static (Module G, int[] Input) Generator(string family) => family switch
    {
        "unet" => (new UnetGenerator(new UnetGeneratorConfig(Ngf: 8, NumDowns: 5, UseDropout: false), Device.Cpu, 4, new HyperOptions()), [2, 3, 32, 32]),
        "resnet" => (new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 8, Blocks: 3, Norm: NormKind.Instance), Device.Cpu, 4, new HyperOptions()), [2, 3, 32, 32]),
        _ => (new DcganGenerator(new DcganGeneratorConfig(Nz: 6, Ngf: 8, ImageSize: 32), Device.Cpu, 4, new HyperOptions()), [2, 6, 1, 1]),
    };

    /// <summary>
    /// Runs a search on an L1 loss until its first check that prunes a channel, compares the hyper generator with the
    /// extraction of the masks of that check, then runs on to the stop and compares again (and the distillation teacher).
    /// Returns the largest differences found at the two points.
    /// </summary>
    static (double AtCheck, double AtStop, double Teacher) SearchAndCompare(string family, bool masked)
    {
        var (g, shape) = Generator(family);
        using var owned = g;
        var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.3, Lambda: 500f, CheckEvery: 2, StepBudget: 12, ImageSize: 32, MaskPruned: masked));
        using var parameters = g.Parameters();
        using var adam = new Adam(parameters, lr: 2e-4f);
        var input = Tensor.RandomUniform(Device.Cpu, 1, -1f, 1f, shape);
        int[] outShape;
        using (Tape.NoGrad()) outShape = g.Forward(input).Shape;
        var target = Tensor.RandomUniform(Device.Cpu, 2, -1f, 1f, outShape);
        var x = TestRandom.Array(new Random(5), shape).ToFloats();
        var full = ((IPrunableGenerator)g).Hyper!.Prunable.Select(l => l.Channels).ToArray();
        double atCheck = double.NaN;
        var state = SearchState.Searching;
        while (state == SearchState.Searching)
        {
            using (var tape = new Tape())
                tape.Backward(Ops.L1Loss(g.Forward(input), target));
            adam.Step();
            adam.ZeroGrad();
            state = search.AfterStep(adam.LearningRate);
            if (state == SearchState.Searching && double.IsNaN(atCheck) && search.Step % 2 == 0 && !search.CurrentWidths.SequenceEqual(full))
            {
                using var compact = search.Extract();
                atCheck = MaxDiff(Forward(g, x, shape), Forward(compact, x, shape));
            }
        }
        Assert.False(double.IsNaN(atCheck), $"{family}: no check pruned a channel before the stop; log:\n" + string.Join("\n", search.History));
        using var cut = search.Extract();
        using var teacher = search.Teacher();
        var hyperOut = Forward(g, x, shape);
        var result = (atCheck, MaxDiff(hyperOut, Forward(cut, x, shape)), MaxDiff(hyperOut, Forward(teacher, x, shape)));
        search.Unmask();
        return result;
    }

    [Theory]
    [InlineData("unet")]
    [InlineData("resnet")]
    [InlineData("dcgan")]
    public void AMaskedSearchComputesWhatItsExtractionComputesAtEveryCheckAndAtTheCut(string family)
    {
        var masked = SearchAndCompare(family, masked: true);
        Assert.True(masked.AtCheck < 1e-5, $"{family}: masked search vs its extraction at a check: {masked.AtCheck}");
        Assert.True(masked.AtStop < 1e-5, $"{family}: masked search vs its extraction at the stop: {masked.AtStop}");
        Assert.True(masked.Teacher < 1e-5, $"{family}: masked search vs the distillation teacher: {masked.Teacher}");
        // DHP's unmasked search changes the function at the cut: the comparison above can fail.
        var unmasked = SearchAndCompare(family, masked: false);
        Assert.True(unmasked.AtCheck > 1e-3 && unmasked.AtStop > 1e-3, $"{family} unmasked: {unmasked}");
        Assert.True(unmasked.Teacher < 1e-5, $"{family}: the unmasked search's teacher is its full-width generator: {unmasked.Teacher}");
    }

    static TrainOptions Pix2Pix(string dir, bool mask) => new(
        TrainMode.Pix2Pix, Size: 32, TotalSteps: 16, OutputDirectory: dir, Ngf: 4, Ndf: 4, Seed: 3, CheckpointEvery: 4,
        Prune: new PruneOptions(TargetRatio: 0.3, Lambda: 200f, SearchShare: 0.5, MinChannels: 2, CheckEvery: 2, SearchMask: mask));

    static SyntheticImages Paired() => new(6, 32, paired: true, 0);

    [Fact]
    public void AMaskedRunResumesBitExactFromACheckpointInsideTheSearch()
    {
        var a = Pix2Pix(Path.Combine(_dir, "a"), mask: true);
        var b = a with { OutputDirectory = Path.Combine(_dir, "b") };
        var c = Pix2Pix(Path.Combine(_dir, "unmasked"), mask: false);
        using (var t = Trainer.Create(a, Paired())) t.Run();
        using (var t = Trainer.Create(c, Paired())) t.Run();
        using (var t = Trainer.Create(b, Paired()))
        {
            using var cts = new CancellationTokenSource();
            int[]? widthsAtCheckpoint = null;
            t.Progress += p =>
            {
                if (p.Step == 4) widthsAtCheckpoint = p.Widths["G"].ToArray();
                if (p.Step == 5) cts.Cancel();
            };
            Assert.Throws<OperationCanceledException>(() => t.Run(cts.Token));
            Assert.Equal(Trainer.SearchPhase, t.Phase);
            // The checkpoint holds masks that prune something, so resuming without them would show.
            Assert.NotNull(widthsAtCheckpoint);
            Assert.NotEqual(UnetGenerator.FullWidths(4, 5), widthsAtCheckpoint);
        }
        using (var t = Trainer.Resume(b.OutputDirectory, Paired(), expected: b)) t.Run();
        foreach (var f in new[] { "extracted.safetensors", "compact.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.OutputDirectory, f)), File.ReadAllBytes(Path.Combine(b.OutputDirectory, f)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a.OutputDirectory, "compact.safetensors")), File.ReadAllBytes(Path.Combine(c.OutputDirectory, "compact.safetensors")));
        // A run cannot switch the masking midway.
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(a, c with { OutputDirectory = a.OutputDirectory }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Prune.SearchMask: on -> off", message);
        Assert.Contains("--search-mask", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
    }

    [Fact]
    public void TheCliNamesABadValue()
    {
        string missing = Path.Combine(_dir, "none");
        var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu", "--search-mask", "yes");
        Assert.Equal(2, code);
        Assert.Contains("--search-mask must be off or on, got 'yes'", err);
        Assert.False(Directory.Exists(missing));
    }
}
