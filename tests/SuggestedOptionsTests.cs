using System.CommandLine;
using System.Text.RegularExpressions;

namespace CoroNetGAN.Tests;

/// <summary>Every option a message (or doc comment) of the engine, the API or the command line suggests exists on some command.</summary>
public partial class SuggestedOptionsTests
{
    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")]
    private static partial Regex OptionName();

    static IEnumerable<Command> All(Command c) => new[] { c }.Concat(c.Subcommands.SelectMany(All));

    [Fact]
    public void EveryOptionMentionedInTheSourcesExists()
    {
        var known = All(CoroNetGAN.Cli.Program.BuildRoot()).SelectMany(c => c.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        known.Add("--help");
        known.Add("--version");
        var unknown = new List<string>();
        int seen = 0;
        foreach (string dir in new[] { "engine", "bindings" })
            foreach (string file in Directory.EnumerateFiles(Path.Combine(SharedFiles.RepoRoot, dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    foreach (Match m in OptionName().Matches(lines[i]))
                    {
                        seen++;
                        if (!known.Contains(m.Value)) unknown.Add($"{Path.GetRelativePath(SharedFiles.RepoRoot, file)}:{i + 1}: {m.Value}");
                    }
            }
        Assert.True(seen > 50, $"only {seen} option mentions found: the scan is broken");
        Assert.True(unknown.Count == 0, "options suggested but not defined by any command:\n" + string.Join("\n", unknown));
    }
}
