using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Training;
using static CoroNetGAN.Tests.CliRunner;

namespace CoroNetGAN.Tests;

/// <summary>The search's recipe options beside DHP's: MAC-normalised pressure and the end layers' floor.</summary>
public class PruningRecipeTests
{
    static HyperNetwork Net(Module m) => ((IPrunableGenerator)m).Hyper!;

    /// <summary>Every prunable latent entry set to 1, so only the pressure decides which layer loses channels.</summary>
    static void SetLatentsToOne(Module g)
    {
        foreach (var z in Net(g).Prunable) z.Value.CopyFrom(Enumerable.Repeat(1f, z.Channels).ToArray());
    }

    /// <summary>
    /// A constructed case: every latent entry 1 and one proximal step of 0.99. Uniform pressure shrinks every entry to 0.01,
    /// still above the threshold 5e-3, so nothing is cut; MAC pressure scales the shrink by what a channel costs, so the
    /// residual stream R (each channel feeds every block's two convs) loses all but the guarded entries while the blocks'
    /// inner channels (two convs each) keep theirs.
    /// </summary>
    [Fact]
    public void MacPressureCutsTheExpensiveChannelsFirst()
    {
        foreach (var pressure in new[] { PrunePressure.Uniform, PrunePressure.Macs })
        {
            using var g = PruningTests.HyperResnet(8, seed: 6);
            SetLatentsToOne(g);
            var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.3, Lambda: 0.99f, CheckEvery: 1000, ImageSize: 32, Pressure: pressure));
            search.AfterStep(1f);
            var full = Net(g).Prunable.Select(l => l.Channels).ToArray();
            var widths = Net(g).Widths(search.Settings.PruneThreshold, search.Settings.MinChannels);
            if (pressure == PrunePressure.Uniform)
            {
                Assert.All(search.Pressures, p => Assert.Equal(1f, p));
                Assert.Equal(full, widths);
                continue;
            }
            // The pressures average 1 over the prunable channels, so lambda keeps its meaning.
            Assert.Equal(1.0, search.Pressures.Select((p, l) => (double)p * full[l]).Sum() / full.Sum(), 4);
            int r = Net(g).Prunable.Select(l => l.Name).ToList().IndexOf("R");
            Assert.True(search.Pressures[r] > 1f, $"pressures [{string.Join(", ", search.Pressures)}]");
            Assert.Equal(search.Settings.MinChannels, widths[r]);
            var blocks = Enumerable.Range(0, full.Length).Where(l => Net(g).Prunable[l].Name.StartsWith('b')).ToList();
            Assert.Equal(9, blocks.Count);
            Assert.All(blocks, b => Assert.True(search.Pressures[b] < 1f && widths[b] == full[b], $"{Net(g).Prunable[b].Name}: pressure {search.Pressures[b]}, width {widths[b]}"));
            // Every layer: cut to the minimum exactly when its shrink reaches the entries, kept whole otherwise.
            for (int l = 0; l < full.Length; l++)
                Assert.Equal(0.99f * search.Pressures[l] > 1f - search.Settings.PruneThreshold ? search.Settings.MinChannels : full[l], widths[l]);
        }
    }

    /// <summary>
    /// The end layers' floor holds whether the step budget forces the cut (no pressure at all: the smallest entries go) or one
    /// huge proximal step overshoots; without it the same forced search cuts the full-resolution ends below the floor.
    /// </summary>
    [Fact]
    public void EndFloorKeepsTheFirstAndLastLayersAndMeetsTheTargetElsewhere()
    {
        foreach (double floor in new[] { 0.0, 1.0 })
        {
            using var g = PruningTests.HyperResnet(8, seed: 5);
            var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.2, Lambda: 0f, CheckEvery: 5, StepBudget: 5, ImageSize: 32, EndFloor: floor));
            var state = SearchState.Searching;
            for (int i = 0; i < 5; i++) state = search.AfterStep(2e-4f);
            Assert.Equal(SearchState.Forced, state);
            Assert.True(search.CurrentRatio <= 0.2 && search.CurrentRatio >= 0.2 * 0.96, $"{search.CurrentRatio}");
            var w = search.CurrentWidths;
            if (floor == 1.0) Assert.True(w[0] == 8 && w[^1] == 8, $"widths [{string.Join(",", w)}]");
            else Assert.True(w[0] < 8 || w[^1] < 8, $"without a floor the forced cut kept both ends: [{string.Join(",", w)}]");
            using var compact = search.Extract();
            Assert.Equal(w, ((ResnetGenerator)compact).Widths);
        }

        using var h = PruningTests.HyperResnet(8, seed: 7);
        var overshoot = new PruningSearch(h, new SearchSettings(TargetRatio: 0.2, Lambda: 1000f, CheckEvery: 1, StepBudget: 1000, ImageSize: 32, EndFloor: 0.75));
        Assert.Equal([6, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6], overshoot.Floors);
        Assert.Equal(SearchState.Reached, overshoot.AfterStep(1f));
        Assert.True(overshoot.CurrentWidths[0] >= 6 && overshoot.CurrentWidths[^1] >= 6, $"widths [{string.Join(",", overshoot.CurrentWidths)}]");
        Assert.True(overshoot.CurrentRatio <= 0.2 && overshoot.CurrentRatio >= 0.2 * 0.96, $"{overshoot.CurrentRatio}");
    }

    /// <summary>
    /// Left to the target, the end layers' floor is 0.75 down to a quarter of the MACs and 1.5 x sqrt(ratio) below it, also
    /// when the target is given in GMACs (known as a ratio only once the search has counted the full MACs); a floor given
    /// explicitly is kept at every target.
    /// </summary>
    [Fact]
    public void TheEndFloorLeftToTheTargetFallsWithIt()
    {
        Assert.Equal(0.75, SearchSettings.EndFloorFor(1));
        Assert.Equal(0.75, SearchSettings.EndFloorFor(0.25), 12);
        Assert.Equal(1.5 * Math.Sqrt(0.1), SearchSettings.EndFloorFor(0.1), 12);
        Assert.Equal(0.325, SearchSettings.EndFloorFor(0.047), 3);
        using var g = PruningTests.HyperResnet(16, seed: 3);
        var quarter = new PruningSearch(g, new SearchSettings(TargetRatio: 0.25, ImageSize: 32, EndFloor: null));
        Assert.Equal(0.75, quarter.EndFloor, 12);
        Assert.Equal((12, 12), (quarter.Floors[0], quarter.Floors[^1]));
        var tenth = new PruningSearch(g, new SearchSettings(TargetRatio: 0.1, ImageSize: 32, EndFloor: null));
        Assert.Equal(1.5 * Math.Sqrt(0.1), tenth.EndFloor, 12);
        Assert.Equal((8, 8), (tenth.Floors[0], tenth.Floors[^1]));
        Assert.All(tenth.Floors.Skip(1).SkipLast(1), f => Assert.Equal(tenth.Settings.MinChannels, f));
        Assert.Contains("end layers' floor 47", Assert.Single(tenth.History));
        var inGMacs = new PruningSearch(g, new SearchSettings(TargetGMacs: 0.1 * tenth.FullMacs / 1e9, ImageSize: 32, EndFloor: null));
        Assert.Equal(tenth.EndFloor, inGMacs.EndFloor, 9);
        Assert.Equal(tenth.Floors, inGMacs.Floors);
        var given = new PruningSearch(g, new SearchSettings(TargetRatio: 0.1, ImageSize: 32, EndFloor: 0.75));
        Assert.Equal((0.75, 12, 12), (given.EndFloor, given.Floors[0], given.Floors[^1]));
        // The trainer's options leave it to the target the same way (null), and a resume reads a changed choice as a change.
        var saved = new TrainOptions(TrainMode.Pix2Pix, 32, 4, "run", Prune: new PruneOptions(EndFloor: null));
        saved.Validate();
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(saved, saved with { Prune = new PruneOptions(EndFloor: 0.5) }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Prune.EndFloor: auto -> 0.5", message);
    }

    /// <summary>
    /// The layers' floor holds in every layer when the budget forces the cut with no pressure (the smallest entries go) and
    /// when one huge proximal step overshoots; the end layers keep the larger of the two floors; without it the same
    /// forced search leaves some layer below a quarter of its channels.
    /// </summary>
    [Fact]
    public void LayerFloorKeepsEveryLayerAboveItsShare()
    {
        foreach (double floor in new[] { 0.0, 0.25 })
        {
            using var g = PruningTests.HyperResnet(16, seed: 5);
            // The residual stream's entries are the smallest, so the forced cut takes that layer first, down to its floor.
            SetLatentsToOne(g);
            Net(g).Prunable[2].Value.CopyFrom(Enumerable.Repeat(0.5f, Net(g).Prunable[2].Channels).ToArray());
            var search = new PruningSearch(g, new SearchSettings(TargetRatio: 0.15, Lambda: 0f, CheckEvery: 5, StepBudget: 5, ImageSize: 32, LayerFloor: floor));
            var full = Net(g).Prunable.Select(l => l.Channels).ToArray();
            var state = SearchState.Searching;
            for (int i = 0; i < 5; i++) state = search.AfterStep(2e-4f);
            Assert.Equal(SearchState.Forced, state);
            Assert.True(search.CurrentRatio <= 0.15 && search.CurrentRatio >= 0.15 * 0.96, $"{search.CurrentRatio}");
            var w = search.CurrentWidths;
            bool above = w.Select((c, l) => c >= Math.Ceiling(0.25 * full[l])).All(x => x);
            if (floor > 0) Assert.True(above, $"widths [{string.Join(",", w)}] of [{string.Join(",", full)}]");
            else Assert.Equal(search.Settings.MinChannels, w[2]);
        }

        using var h = PruningTests.HyperResnet(16, seed: 7);
        var overshoot = new PruningSearch(h, new SearchSettings(TargetRatio: 0.3, Lambda: 1000f, CheckEvery: 1, StepBudget: 1000, ImageSize: 32,
            LayerFloor: 0.4, EndFloor: 0.75));
        var fullH = Net(h).Prunable.Select(l => l.Channels).ToArray();
        Assert.Equal(fullH.Select((c, l) => (int)Math.Ceiling((l == 0 || l == fullH.Length - 1 ? 0.75 : 0.4) * c)).ToArray(), overshoot.Floors);
        overshoot.AfterStep(1f);
        Assert.All(overshoot.CurrentWidths.Select((c, l) => (c, l)), x => Assert.True(x.c >= overshoot.Floors[x.l], $"widths [{string.Join(",", overshoot.CurrentWidths)}]"));
        // A floor whose smallest generator exceeds the target is refused up front, naming it.
        var e = Assert.Throws<ArgumentException>(() => new PruningSearch(h, new SearchSettings(TargetRatio: 0.05, ImageSize: 32, LayerFloor: 0.5)));
        Assert.Contains("every layer's floor of 50", e.Message);
        Assert.Contains("TrainOptions.Prune.LayerFloor", e.Message);
    }

    [Fact]
    public void BadRecipeSettingsAreRefusedByName()
    {
        using var g = PruningTests.HyperResnet(8);
        Assert.Contains("TrainOptions.Prune.EndFloor", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, ImageSize: 32, EndFloor: 1.5))).Message);
        // A floor of every channel at both ends makes small targets unreachable; the message says why.
        var e = Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.03, ImageSize: 32, EndFloor: 1)));
        Assert.Contains("end layers' floor", e.Message);
        var o = new TrainOptions(TrainMode.Pix2Pix, 32, 10, "run", Prune: new PruneOptions(EndFloor: -0.1));
        Assert.Contains("TrainOptions.Prune.EndFloor", Assert.Throws<ArgumentException>(o.Validate).Message);
        Assert.Contains("TrainOptions.Prune.LayerFloor", Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, ImageSize: 32, LayerFloor: -0.5))).Message);
        o = new TrainOptions(TrainMode.Pix2Pix, 32, 10, "run", Prune: new PruneOptions(LayerFloor: 1.5));
        Assert.Contains("TrainOptions.Prune.LayerFloor", Assert.Throws<ArgumentException>(o.Validate).Message);
    }

    [Fact]
    public void ARunCannotChangeItsRecipeMidRun()
    {
        var saved = new TrainOptions(TrainMode.Pix2Pix, 32, 4, "run", Prune: new PruneOptions(EndFloor: 0.75));
        var message = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(saved,
            saved with { Prune = new PruneOptions(Pressure: PrunePressure.Macs, LayerFloor: 0.25) }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Prune.Pressure: uniform -> macs", message);
        Assert.Contains("TrainOptions.Prune.EndFloor: 0.75 -> 0", message);
        Assert.Contains("--prune-pressure", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
        Assert.Contains("--end-floor", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
        Assert.Contains("TrainOptions.Prune.LayerFloor: 0 -> 0.25", message);
        Assert.Contains("--layer-floor", CoroNetGAN.Cli.OptionFlags.Rewrite(message));
    }

    [Fact]
    public void TheCliNamesABadPressureAndFloor()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-run-{Guid.NewGuid():N}");
        var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--prune-pressure", "flops");
        Assert.Equal(2, code);
        Assert.Contains("--prune-pressure must be uniform or macs, got 'flops'", err);
        (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--end-floor", "2");
        Assert.Equal(2, code);
        Assert.Contains("--end-floor", err);
        (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--end-floor", "half");
        Assert.Equal(2, code);
        Assert.Contains("--end-floor must be auto or a fraction of the channels in [0, 1], got 'half'", err);
        (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing, "--size", "32", "--steps", "2", "--device", "cpu",
            "--layer-floor", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--layer-floor", err);
        Assert.False(Directory.Exists(missing));
    }
}
