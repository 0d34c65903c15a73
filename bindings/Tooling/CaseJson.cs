using System.Text.Json;

namespace CoroNetGAN.Tooling;

/// <summary>Typed reads of a golden case.json whose errors name the file and the key.</summary>
internal static class CaseJson
{
    public static JsonElement Object(JsonElement e, string key, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Object
            ? v : throw Bad(path, key, "an object");

    public static string Text(JsonElement e, string key, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()! : throw Bad(path, key, "a string");

    public static int Int(JsonElement e, string key, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
            ? i : throw Bad(path, key, "an integer");

    public static double Double(JsonElement e, string key, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble() : throw Bad(path, key, "a number");

    public static bool Bool(JsonElement e, string key, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean() : throw Bad(path, key, "true or false");

    public static int[] Ints(JsonElement e, string key, string path)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Array
            || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out _)))
            throw Bad(path, key, "a list of integers");
        return v.EnumerateArray().Select(x => x.GetInt32()).ToArray();
    }

    static ArgumentException Bad(string path, string key, string what) => new($"{path}: '{key}' must be {what}.");
}
