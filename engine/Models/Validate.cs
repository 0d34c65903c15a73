namespace CoroNetGAN.Engine.Models;

/// <summary>Configuration checks whose messages say what is wrong and what would be valid.</summary>
internal static class Validate
{
    public static void Positive(string model, string what, int value)
    {
        if (value < 1) throw new ArgumentException($"{model}: {what} must be at least 1, got {value}.");
    }

    public static int[] Widths(string model, IReadOnlyList<int>? widths, int[] full, string layout)
    {
        if (widths == null) return full;
        if (widths.Count != full.Length)
            throw new ArgumentException($"{model}: the width list needs {full.Length} entries ({layout}), got {widths.Count}. Full width is [{string.Join(", ", full)}].");
        for (int i = 0; i < widths.Count; i++)
            if (widths[i] < 1)
                throw new ArgumentException($"{model}: width {i} ({Entry(layout, i)}) must be at least 1, got {widths[i]}.");
        return widths.ToArray();
    }

    static string Entry(string layout, int i)
    {
        var names = layout.Split(", ");
        return i < names.Length ? names[i] : $"entry {i}";
    }
}
