using System.Reflection;

namespace CoroNetGAN;

/// <summary>
/// The demo datasets embedded in this assembly: OpenMoji line-art -> colour pairs for pix2pix and unpaired
/// Twemoji people and hands in the lightest and the darkest skin tone for CycleGAN (see NOTICE for their licences). Thread-safe as long as two calls do not
/// extract into the same folder at once.
/// </summary>
public static class DemoData
{
    const string Prefix = "demo/";

    /// <summary>
    /// Writes the dataset of <paramref name="mode"/> ("pix2pix": data/openmoji-pairs in the aligned layout;
    /// "cyclegan": data/emoji-skintone in the unaligned layout) under <paramref name="directory"/> and returns the
    /// dataset folder. Files already there with the right size are kept, so a second call is cheap.
    /// </summary>
    public static string Extract(string mode, string directory)
    {
        string name = FolderOf(mode);
        string root = Path.GetFullPath(Path.Combine(directory, name));
        var asm = typeof(DemoData).Assembly;
        int found = 0;
        foreach (var res in asm.GetManifestResourceNames().Where(r => r.StartsWith(Prefix + name + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string rel = res[(Prefix.Length + name.Length + 1)..];
            string target = Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar));
            using var s = asm.GetManifestResourceStream(res) ?? throw new InvalidOperationException($"resource {res} vanished");
            found++;
            if (File.Exists(target) && new FileInfo(target).Length == s.Length) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Through a temporary name, so an interrupted extraction never leaves a truncated PNG that a rerun keeps.
            string tmp = target + ".tmp";
            using (var f = File.Create(tmp)) s.CopyTo(f);
            File.Move(tmp, target, overwrite: true);
        }
        if (found == 0) throw new InvalidOperationException($"no embedded files for {name}: the assembly was built without data/.");
        return root;
    }

    /// <summary>The embedded dataset folder name of <paramref name="mode"/>.</summary>
    static string FolderOf(string mode) => mode.ToLowerInvariant() switch
    {
        "pix2pix" => "openmoji-pairs",
        "cyclegan" => "emoji-skintone",
        _ => throw new ArgumentException($"unknown mode '{mode}': expected pix2pix or cyclegan.", nameof(mode)),
    };
}
