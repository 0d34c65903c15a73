
namespace CoroNetGAN.Cli;

/// <summary>Option values shared by several commands.</summary>
internal static class CliParsing
{
    /// <summary>Refuses an output path that names the input file: the write would destroy the only copy of the input.</summary>
    public static void RequireDistinct(string input, string inputOption, string output, string outputOption)
    {
        string a = Path.GetFullPath(input), b = Path.GetFullPath(output);
        bool same = string.Equals(a, b, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        if (!same && File.Exists(a) && File.Exists(b))
        {
            // A symbolic link to the input destroys it just the same.
            var ia = new FileInfo(a); var ib = new FileInfo(b);
            same = (ia.ResolveLinkTarget(true)?.FullName ?? a) == (ib.ResolveLinkTarget(true)?.FullName ?? b);
        }
        if (same)
            throw new ArgumentException($"{outputOption} '{output}' is the {inputOption} file itself; writing it would destroy the input. Give another output path.");
    }

    public static NormKind Norm(string text) => text.Trim().ToLowerInvariant() switch
    {
        "instance" => NormKind.Instance,
        "batch" => NormKind.Batch,
        "none" => NormKind.None,
        _ => throw new ArgumentException($"--norm must be instance, batch or none, got '{text}'."),
    };
}
