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
    /// The paired demo keeps faces, hands and people (smileys, gestures, people and their ZWJ sequences): their fill
    /// colours follow from the line art, which a small model can learn from a few hundred pairs, while the colour of an
    /// arbitrary object (a flag, a car) cannot be inferred from its outline at all and only teaches the model to guess.
    /// </summary>
    internal static bool FaceOrPerson(string name)
    {
        var first = name.ToUpperInvariant().Split('-')[0];
        if (!int.TryParse(first, System.Globalization.NumberStyles.HexNumber, null, out int cp)) return false;
        return cp is (>= 0x1F600 and <= 0x1F64F) or (>= 0x1F910 and <= 0x1F92F) or (>= 0x1F970 and <= 0x1F97A)
            or (>= 0x1F9D0 and <= 0x1F9DF) or (>= 0x1F440 and <= 0x1F450) or (>= 0x1F466 and <= 0x1F487)
            or (>= 0x1F930 and <= 0x1F93E) or (>= 0x1F9B5 and <= 0x1F9BB) or (>= 0x1F9CD and <= 0x1F9CF)
            or (>= 0x1FAC3 and <= 0x1FAC5) or (>= 0x1FAE0 and <= 0x1FAE8) or (>= 0x1FAF0 and <= 0x1FAF8)
            or 0x1F4AA or 0x1F590 or 0x1F595 or 0x1F596 or 0x1F6B6 or 0x1F6B4 or 0x1F6B5 or 0x1F6A3 or 0x1F574 or 0x1F575 or 0x1F57A
            or 0x263A or 0x2639 or 0x261D or (>= 0x270A and <= 0x270D) or 0x26F9;
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

    /// <summary>
    /// Whether <paramref name="name"/> is a skin-toned sequence whose every tone modifier is <paramref name="tone"/>
    /// (mixed-tone couples are left out) and not the bare modifier swatch.
    /// </summary>
    internal static bool SingleTone(string name, string tone)
    {
        var parts = name.Split('-');
        if (parts.Length < 2 || !parts.Contains(tone)) return false;
        return parts.All(p => p == tone || !(p.Length == 5 && p.StartsWith("1f3f", StringComparison.Ordinal) && p[4] is 'b' or 'c' or 'd' or 'e' or 'f'));
    }
}
