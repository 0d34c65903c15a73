using System.CommandLine;
using System.Reflection;
using System.Text.RegularExpressions;
using CoroNetGAN.Cli;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// The engine names a setting by its <see cref="TrainOptions"/> property; the command line shows the flag instead
/// (<see cref="OptionFlags"/>). Every name on either side must exist.
/// </summary>
public partial class OptionFlagsTests
{
    [GeneratedRegex(@"\bTrainOptions(?:\.[A-Z][A-Za-z0-9]*)+")]
    private static partial Regex PropertyPath();

    /// <summary>Whether <paramref name="path"/> (TrainOptions.A.B) is a chain of public properties.</summary>
    static bool Resolves(string path)
    {
        Type? t = typeof(TrainOptions);
        foreach (var name in path.Split('.').Skip(1))
        {
            var p = t?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (p == null) return false;
            t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        }
        return true;
    }

    [Fact]
    public void Every_mapped_property_exists_and_every_flag_is_a_train_option()
    {
        var train = CoroNetGAN.Cli.Program.BuildRoot().Subcommands.Single(c => c.Name == "train");
        var flags = train.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        Assert.True(OptionFlags.All.Count >= 20);
        foreach (var (property, flag) in OptionFlags.All)
        {
            Assert.True(Resolves(property), $"{property} is not a property of TrainOptions");
            Assert.True(flags.Contains(flag), $"{flag} (for {property}) is not an option of train");
        }
        foreach (var property in OptionFlags.InWords.Keys) Assert.True(Resolves(property), $"{property} is not a property of TrainOptions");
    }

    [Fact]
    public void Every_TrainOptions_property_the_sources_name_exists()
    {
        var unknown = new List<string>();
        int seen = 0;
        foreach (string dir in new[] { "engine", "bindings" })
            foreach (string file in Directory.EnumerateFiles(Path.Combine(SharedFiles.RepoRoot, dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    foreach (Match m in PropertyPath().Matches(lines[i]))
                    {
                        seen++;
                        if (!Resolves(m.Value)) unknown.Add($"{Path.GetRelativePath(SharedFiles.RepoRoot, file)}:{i + 1}: {m.Value}");
                    }
            }
        Assert.True(seen > 30, $"only {seen} TrainOptions mentions found: the scan is broken");
        Assert.True(unknown.Count == 0, "TrainOptions properties named but not defined:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void Rewrite_names_flags_and_keeps_properties_without_one()
    {
        Assert.Equal("Raise the target (--target-ratio or --target-gmacs); from code, TrainOptions.Prune.MinChannels can also be lowered.",
            OptionFlags.Rewrite("Raise the target (TrainOptions.Prune.TargetRatio or TrainOptions.Prune.TargetGMacs); from code, TrainOptions.Prune.MinChannels can also be lowered."));
        // A longer path is not cut at a shorter one's end (TrainOptions.Prune.Lambda is not TrainOptions.Prune + ".Lambda").
        Assert.Equal("--lambda: 0.1 -> 0.2; --lambda-l1: 100 -> 10; --steps; dropout: true -> false",
            OptionFlags.Rewrite("TrainOptions.Prune.Lambda: 0.1 -> 0.2; TrainOptions.LambdaL1: 100 -> 10; TrainOptions.TotalSteps; TrainOptions.Dropout: true -> false"));
    }

    [Fact]
    public void Engine_errors_name_properties_not_flags()
    {
        using var g = PruningTests.HyperResnet(4);
        var below = Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.01, ImageSize: 32))).Message;
        Assert.Contains("TrainOptions.Prune.TargetRatio or TrainOptions.Prune.TargetGMacs", below);
        var both = Assert.Throws<ArgumentException>(() => new PruningSearch(g, new SearchSettings(TargetRatio: 0.5, TargetGMacs: 0.1, ImageSize: 32))).Message;
        Assert.Contains("TrainOptions.Prune.TargetGMacs", both);
        var saved = new TrainOptions(TrainMode.Pix2Pix, 32, 4, "run");
        var resumed = Assert.Throws<InvalidDataException>(() => ResumeCheck.Reconcile(saved, saved with { Size = 64, Prune = new PruneOptions(Lambda: 0.2f) }, "ckpt")).Message;
        Assert.Contains("TrainOptions.Size: 32 -> 64", resumed);
        Assert.Contains("TrainOptions.Prune.Lambda: 0.1 -> 0.2", resumed);
        Assert.Contains("TrainOptions.TotalSteps: 4 -> 8", string.Join(";", ResumeCheck.Reconcile(saved, saved with { TotalSteps = 8 }, "ckpt").Applied));
        foreach (var message in new[] { below, both, resumed })
            Assert.DoesNotMatch(@"(?<![\w-])--[a-z]", message);
    }
}
