using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary>
/// The range of every integer option, checked while parsing (so a value outside it is a usage error, exit 2, before
/// anything is allocated): sizes up to the engine's image limit, widths and counts up to what fits in memory and in
/// 32-bit shape arithmetic, steps up to what checkpoint names (8 digits) can number.
/// </summary>
internal static class OptionBounds
{
    static readonly Dictionary<string, (long Min, long Max)> Bounds = new(StringComparer.Ordinal)
    {
        ["--size"] = (1, Datasets.MaxImageSize),
        ["--load-size"] = (1, Datasets.MaxImageSize),
        ["--ngf"] = (1, 1024),
        ["--ndf"] = (1, 1024),
        ["--input-nc"] = (1, 64),
        ["--output-nc"] = (1, 64),
        ["--blocks"] = (1, 64),
        ["--num-downs"] = (1, 12),
        ["--n-layers"] = (1, 12),
        ["--steps"] = (1, 99_999_999),
        ["--checkpoint-every"] = (0, 99_999_999),
        ["--sample-every"] = (0, 99_999_999),
        ["--batch"] = (1, 1024),
        ["--iters"] = (1, 100_000),
        ["--batch-size"] = (1, 1024),
        ["--pool-size"] = (0, 10_000),
        ["--epochs"] = (1, 1_000_000),
        ["--epochs-decay"] = (0, 1_000_000),
        ["--n-layers-d"] = (1, 6),
        ["--seeds"] = (1, 1000),
        ["--bootstrap"] = (0, 100_000),
        ["--min-test-images"] = (2, 1_000_000),
        ["--watchdog-seconds"] = (1, 86_400),
    };

    /// <summary>Adds the range check to every bounded integer option under <paramref name="command"/>.</summary>
    public static void Apply(Command command)
    {
        foreach (var option in command.Options)
        {
            if (!Bounds.TryGetValue(option.Name, out var b)) continue;
            if (option is Option<int> i) i.Validators.Add(r => Check(r, option.Name, () => r.GetValueOrDefault<int>(), b));
            else if (option is Option<int?> n) n.Validators.Add(r => Check(r, option.Name, () => r.GetValueOrDefault<int?>(), b));
        }
        foreach (var sub in command.Subcommands) Apply(sub);
    }

    static void Check(System.CommandLine.Parsing.OptionResult result, string name, Func<int?> read, (long Min, long Max) b)
    {
        if (result.Implicit) return;
        int? value;
        // A token that is not a number already has its own parse error; reading it would throw.
        try { value = read(); }
        catch (InvalidOperationException) { return; }
        if (value is { } v && (v < b.Min || v > b.Max))
            result.AddError($"{name} {v} is outside [{b.Min}, {b.Max}].");
    }
}
