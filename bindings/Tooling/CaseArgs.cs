using System.Text.Json;

namespace CoroNetGAN.Tooling;

/// <summary>
/// The <c>constructor_args</c> of a case.json, read by name with PyTorch's defaults. Arguments the engine cannot
/// honour are refused by name, and so is any argument no builder read, so nothing is silently ignored.
/// </summary>
internal sealed class CaseArgs(string architecture, JsonElement args)
{
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    bool TryGet(string name, out JsonElement value)
    {
        _read.Add(name);
        if (args.ValueKind == JsonValueKind.Object && args.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    /// <summary>An integer, or a list of equal integers (PyTorch's (k, k) tuples); the engine's layers are square.</summary>
    public int Int(string name, int? fallback = null)
    {
        if (!TryGet(name, out var v)) return fallback ?? throw Missing(name);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0 && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)))
        {
            var values = v.EnumerateArray().Select(e => e.GetInt32()).Distinct().ToList();
            if (values.Count == 1) return values[0];
            throw Unsupported($"{name} = {v.GetRawText()}: only equal values on every side are supported");
        }
        throw new ArgumentException($"{architecture}: constructor argument {name} = {v.GetRawText()} is not an integer.");
    }

    public bool Bool(string name, bool fallback)
    {
        if (!TryGet(name, out var v)) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ArgumentException($"{architecture}: constructor argument {name} = {v.GetRawText()} is not a boolean."),
        };
    }

    public double Double(string name, double fallback)
    {
        if (!TryGet(name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new ArgumentException($"{architecture}: constructor argument {name} = {v.GetRawText()} is not a number.");
    }

    public string String(string name, string fallback)
    {
        if (!TryGet(name, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new ArgumentException($"{architecture}: constructor argument {name} = {v.GetRawText()} is not a string.");
    }

    /// <summary>Refuses anything but PyTorch's default for an argument the engine does not implement.</summary>
    public void RequireDefault(string name, int value)
    {
        int got = Int(name, value);
        if (got != value) throw Unsupported($"{name} = {got} (only {value})");
    }

    /// <summary>Refuses a boolean the engine does not implement.</summary>
    public void Require(string name, bool value, bool fallback)
    {
        if (Bool(name, fallback) != value) throw Unsupported($"{name} = {!value} (only {value})");
    }

    /// <summary>Refuses a string the engine does not implement.</summary>
    public void Require(string name, string value)
    {
        string got = String(name, value);
        if (got != value) throw Unsupported($"{name} = '{got}' (only '{value}')");
    }

    /// <summary>Throws when an argument was given that no builder read.</summary>
    public void CheckAllRead()
    {
        if (args.ValueKind != JsonValueKind.Object) return;
        var extra = args.EnumerateObject().Select(p => p.Name).Where(n => !_read.Contains(n)).ToList();
        if (extra.Count > 0) throw Unsupported($"constructor argument(s) {string.Join(", ", extra)}");
    }

    ArgumentException Missing(string name) => new($"{architecture}: constructor_args lacks {name}.");

    NotSupportedException Unsupported(string what) => new($"{architecture}: {what} is not supported by this engine.");
}
