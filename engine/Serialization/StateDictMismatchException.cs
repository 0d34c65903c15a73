using System.Text;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>
/// A state dict that does not fit a module: every missing key, every unexpected key and every key whose shape or
/// type differs, each named with the expected and actual shape, in one message.
/// </summary>
public sealed class StateDictMismatchException : ArgumentException
{
    internal StateDictMismatchException(string moduleName, string? source, int expectedCount, List<StateDictKey> missing,
        List<(string Key, SafeTensor Tensor)> unexpected, List<(StateDictKey Expected, SafeTensor Actual)> wrong)
        : base(Compose(moduleName, source, expectedCount, missing, unexpected, wrong))
    {
        Missing = missing.Select(k => k.Key).ToList();
        Unexpected = unexpected.Select(u => u.Key).ToList();
        WrongShape = wrong.Select(w => w.Expected.Key).ToList();
    }

    /// <summary>Keys the module has and the state dict lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys the state dict has and the module lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present in both whose shape or element type differ.</summary>
    public IReadOnlyList<string> WrongShape { get; }

    static string Compose(string moduleName, string? source, int expectedCount, List<StateDictKey> missing,
        List<(string Key, SafeTensor Tensor)> unexpected, List<(StateDictKey Expected, SafeTensor Actual)> wrong)
    {
        var sb = new StringBuilder();
        sb.Append(source == null ? "The state dict" : $"{source}").Append($" does not fit this {moduleName} ({expectedCount} keys):");
        if (missing.Count == expectedCount && expectedCount > 0)
            sb.Append("\n  none of its keys is present: the file holds another architecture or layout.");
        if (missing.Count > 0)
        {
            sb.Append($"\n  {missing.Count} missing key(s):");
            foreach (var k in missing) sb.Append($"\n    {k.Key}  expected {k.Describe()}");
        }
        if (unexpected.Count > 0)
        {
            sb.Append($"\n  {unexpected.Count} unexpected key(s):");
            foreach (var (k, t) in unexpected) sb.Append($"\n    {k}  {t}");
        }
        if (wrong.Count > 0)
        {
            sb.Append($"\n  {wrong.Count} key(s) with the wrong shape or type:");
            foreach (var (e, a) in wrong) sb.Append($"\n    {e.Key}  expected {e.Describe()}, got {a}");
        }
        return sb.ToString();
    }
}
