namespace CoroNetGAN.PrepareData;

/// <summary>The preparation run: fetch the two packages, pick the emoji, write both datasets.</summary>
internal static class Tool
{
    const int Size = 64;

    internal static int Run(string[] args)
    {
        string repo = Arg(args, "--repo") ?? FindRepo();
        string work = Arg(args, "--work") ?? Path.Combine(Path.GetTempPath(), "coronetgan-prepare-data");
        Directory.CreateDirectory(work);
        string data = Path.Combine(repo, "data");

        string openmoji = NpmPackages.Fetch("openmoji", "17.0.0", work);
        string twitter = NpmPackages.Fetch("emoji-datasource-twitter", "16.0.0", work);

        WritePairs(openmoji, Path.Combine(data, "openmoji-pairs"));
        WriteSkinTones(Path.Combine(twitter, "img", "twitter", "64"), Path.Combine(data, "emoji-skintone"));
        return 0;
    }

    /// <summary>Up to 480 OpenMoji line-art | colour pairs of faces and people, 128 x 64: five in six train, one in six test.</summary>
    static void WritePairs(string package, string outDir)
    {
        string black = Path.Combine(package, "black", "svg"), color = Path.Combine(package, "color", "svg");
        var both = Names(black, ".svg").Intersect(Names(color, ".svg")).Where(Selection.FaceOrPerson).ToList();
        Console.WriteLine($"{both.Count} face/person candidates");
        var (train, test) = Selection.Pick(both, Math.Min(480, both.Count(Selection.Wanted)), 6);
        foreach (var (split, names) in new[] { ("train", train), ("test", test) })
        {
            string dir = Fresh(Path.Combine(outDir, split));
            foreach (var n in names)
            {
                using var surface = Render.WhiteSurface(2 * Size, Size);
                Render.DrawSvg(surface.Canvas, Path.Combine(black, n + ".svg"), 0, Size);
                Render.DrawSvg(surface.Canvas, Path.Combine(color, n + ".svg"), Size, Size);
                Render.SavePng(surface, Path.Combine(dir, n + ".png"));
            }
            Console.WriteLine($"{dir}: {names.Length} pairs");
        }
    }

    /// <summary>
    /// Twemoji people and hands in the lightest skin tone (A, U+1F3FB) and the darkest (B, U+1F3FF): every sequence
    /// whose tone modifiers are all the lightest and whose darkest twin exists, one in six held out for test. Training
    /// shuffles the domains against each other (unpaired); the test files share names, so test pairs are ground truth.
    /// </summary>
    static void WriteSkinTones(string twemoji, string outDir)
    {
        var names = Names(twemoji, ".png").ToHashSet(StringComparer.Ordinal);
        var light = names.Where(n => Selection.SingleTone(n, "1f3fb") && names.Contains(n.Replace("1f3fb", "1f3ff", StringComparison.Ordinal)))
            .OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var test = light.Where((_, k) => k % 6 == 5).ToArray();
        var train = light.Where((_, k) => k % 6 != 5).ToArray();
        foreach (var (split, picked) in new[] { ("train", train), ("test", test) })
            foreach (var (domain, tone) in new[] { ("A", "1f3fb"), ("B", "1f3ff") })
            {
                string dir = Fresh(Path.Combine(outDir, split + domain));
                foreach (var n in picked)
                {
                    string name = n.Replace("1f3fb", tone, StringComparison.Ordinal);
                    using var surface = Render.WhiteSurface(Size, Size);
                    Render.DrawPng(surface.Canvas, Path.Combine(twemoji, name + ".png"), Size);
                    Render.SavePng(surface, Path.Combine(dir, n.Replace("-1f3fb", "", StringComparison.Ordinal) + ".png"));
                }
                Console.WriteLine($"{dir}: {picked.Length} images");
            }
    }

    static IEnumerable<string> Names(string dir, string ext) =>
        Directory.EnumerateFiles(dir, "*" + ext).Select(p => Path.GetFileNameWithoutExtension(p));

    /// <summary>Creates the folder and removes earlier PNGs, so a rerun leaves exactly the current selection.</summary>
    static string Fresh(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.EnumerateFiles(dir, "*.png")) File.Delete(f);
        return dir;
    }

    static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    static string FindRepo()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "CoroNetGAN.Engine.sln"))) return d.FullName;
        throw new InvalidOperationException("run inside the repository or pass --repo DIR");
    }
}
