using System.Text.Json;
using CoroNetGAN.Engine.Devices;

namespace CoroNetGAN.Tooling;

/// <summary>
/// A <c>--widths</c> argument: a model file (any extension; recognised by its safetensors header), a file holding a
/// JSON list of per-layer widths, or such a list itself, e.g. <c>[16,32,64]</c>.
/// </summary>
public static class WidthsArgument
{
    /// <summary>Whether <paramref name="arg"/> names a model file rather than a list or a JSON file.</summary>
    public static bool IsModelFile(string arg) => !arg.TrimStart().StartsWith('[') && File.Exists(arg) && LooksLikeSafetensors(arg);

    /// <summary>The list <paramref name="arg"/> gives, or the one in the JSON file it names.</summary>
    /// <exception cref="FileNotFoundException">It is neither a list nor an existing file.</exception>
    /// <exception cref="ArgumentException">The text is not a JSON list of integers.</exception>
    public static int[] ParseList(string arg)
    {
        string text = arg.TrimStart().StartsWith('[') ? arg
            : File.Exists(arg) ? File.ReadAllText(arg)
            : throw new FileNotFoundException($"--widths '{arg}' is neither a model file, a JSON file, nor a JSON list such as [16,32,64].", arg);
        try { return JsonSerializer.Deserialize<int[]>(text) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ArgumentException($"--widths {arg}: expected a JSON list of widths such as [16,32,64]: {e.Message}"); }
    }

    /// <summary>The widths <paramref name="arg"/> gives: a model file's generator widths, or the list.</summary>
    /// <exception cref="ArgumentException">The model is not a generator with widths, or the list is malformed.</exception>
    public static int[] Widths(string arg)
    {
        if (!IsModelFile(arg)) return ParseList(arg);
        using var model = Interchange.LoadModel(arg, Device.Cpu);
        return ModelShapes.Widths(model)?.ToArray()
            ?? throw new ArgumentException($"--widths {arg}: the model is not a generator with per-layer widths.");
    }

    /// <summary>A safetensors file starts with a little-endian header length and a JSON object: '{' right after it.</summary>
    static bool LooksLikeSafetensors(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        return f.Read(head) == 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) < (ulong)f.Length;
    }
}
