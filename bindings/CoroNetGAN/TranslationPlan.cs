namespace CoroNetGAN;

/// <summary>
/// Where each translated image goes, decided before anything is written: never onto an input, never two inputs onto
/// one output, and never over an existing file unless asked.
/// </summary>
internal static class TranslationPlan
{
    /// <summary>The output PNG of every input file, in input order.</summary>
    /// <exception cref="ArgumentException">The output folder is, or holds, the input.</exception>
    /// <exception cref="IOException">Outputs already exist and <paramref name="overwrite"/> is false.</exception>
    public static IReadOnlyList<string> Targets(string input, IReadOnlyList<string> files, string outputDirectory, bool overwrite)
    {
        string output = Full(outputDirectory);
        if (File.Exists(output))
            throw new ArgumentException($"--output '{output}' is a file; give a folder for the translated PNGs.");
        string source = Full(input);
        if (Same(source, output) || IsInside(source, output))
            throw new ArgumentException($"--output '{output}' {(Same(source, output) ? "is" : "holds")} the input '{source}': the translations could " +
                "replace the images they come from. Choose an output folder outside the input.");

        // Inputs that share a name but not an extension (a.png, a.bmp) each keep theirs in the output name.
        var comparer = StringComparer.OrdinalIgnoreCase;   // case-insensitive file systems would merge A.png and a.png
        var stems = files.GroupBy(f => Path.GetFileNameWithoutExtension(f), comparer).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(comparer);
        var taken = new HashSet<string>(comparer);
        var targets = new List<string>(files.Count);
        foreach (string f in files)
        {
            string stem = Path.GetFileNameWithoutExtension(f);
            string name = stems.Contains(stem) ? $"{stem}_{Path.GetExtension(f).TrimStart('.')}" : stem;
            string candidate = name;
            for (int n = 2; !taken.Add(candidate); n++) candidate = $"{name}-{n}";
            targets.Add(Path.Combine(output, candidate + ".png"));
        }
        foreach (var (f, t) in files.Zip(targets))
            if (Same(Full(f), t))
                throw new ArgumentException($"the output '{t}' would replace its own input. Choose an output folder outside the input.");
        if (!overwrite)
        {
            var existing = targets.Where(File.Exists).ToList();
            if (existing.Count > 0)
                throw new IOException($"{existing.Count} of the {targets.Count} outputs already exist in '{output}' (e.g. {Path.GetFileName(existing[0])}); " +
                    "add --overwrite to replace them, or choose another --output.");
        }
        return targets;
    }

    static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    static bool Same(string a, string b) => string.Equals(a, b, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    static bool IsInside(string path, string folder) =>
        path.StartsWith(folder + Path.DirectorySeparatorChar, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
}
