namespace CoroNetGAN.Engine.Models.Families;

/// <summary>
/// What a generator class offers its <see cref="GeneratorFamily{TModel, TConfig}"/>: the configuration record it was
/// built from, its widths, and its width layout and full widths as functions of the family's depth.
/// </summary>
/// <typeparam name="TConfig">The model's configuration record (what its model file's <c>config</c> JSON holds).</typeparam>
public interface IGeneratorModel<out TConfig>
{
    /// <summary>The configuration it was built from.</summary>
    TConfig Config { get; }

    /// <summary>Its per-layer widths, in the order of <see cref="WidthLayout"/>.</summary>
    IReadOnlyList<int> Widths { get; }

    /// <summary>Names of the width entries of a model of <paramref name="depth"/>, comma-separated, in order.</summary>
    static abstract string WidthLayout(int depth);

    /// <summary>The full widths of <paramref name="ngf"/> and <paramref name="depth"/>.</summary>
    static abstract int[] FullWidths(int ngf, int depth);
}
