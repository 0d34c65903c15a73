namespace CoroNetGAN.PrepareData;

/// <summary>The fixed, deterministic choice of emoji: sorted names, filtered, then spread evenly over the list.</summary>
internal static class Selection
{
    /// <summary>
    /// Skin-tone variants (U+1F3FB..1F3FF) are near-duplicates of their base emoji, flags (regional indicators
    /// U+1F1E6..1F1FF) are mostly plain rectangles in line art, and private-use names (E000-F8FF, OpenMoji's own
    /// extras) are not Unicode emoji: all three are left out so the few hundred kept are varied.
    /// </summary>
    internal static bool Wanted(string name)
    {
        var parts = name.ToUpperInvariant().Split('-');
        foreach (var p in parts)
        {
            if (!int.TryParse(p, System.Globalization.NumberStyles.HexNumber, null, out int cp)) return false;
            if (cp is >= 0x1F3FB and <= 0x1F3FF) return false;
            if (cp is >= 0x1F1E6 and <= 0x1F1FF) return false;
            if (cp is >= 0xE000 and <= 0xF8FF) return false;
        }
        return true;
    }

    /// <summary>
    /// <paramref name="count"/> names spread evenly over the sorted candidates (so every Unicode block is sampled),
    /// every <paramref name="testEvery"/>-th of them held out for test.
    /// </summary>
    internal static (string[] Train, string[] Test) Pick(IEnumerable<string> candidates, int count, int testEvery)
    {
        var sorted = candidates.Where(Wanted).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
        if (sorted.Length < count) throw new InvalidOperationException($"only {sorted.Length} candidates for {count} picks");
        var picked = Enumerable.Range(0, count).Select(k => sorted[(int)((long)k * sorted.Length / count)]).ToArray();
        var test = picked.Where((_, k) => k % testEvery == testEvery - 1).ToArray();
        var train = picked.Where((_, k) => k % testEvery != testEvery - 1).ToArray();
        return (train, test);
    }
}
