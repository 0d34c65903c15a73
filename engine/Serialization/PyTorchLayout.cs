using System.Globalization;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN.Engine.Serialization;

/// <summary>
/// What the keys and shapes of a pytorch-CycleGAN-and-pix2pix state dict say about the network that wrote it.
/// A field is null when the keys that would show it are absent; <see cref="Evidence"/> names, per field, the key
/// it was read from, so a disagreeing option can be reported against it. Immutable; the readers keep no state
/// and may run on any thread.
/// </summary>
/// <param name="InputChannels">Image channels in.</param>
/// <param name="OutputChannels">Image channels out (generators).</param>
/// <param name="Width">ngf (generators) or ndf (discriminator): the first conv's output channels.</param>
/// <param name="Depth">Residual blocks, U-Net downsamplings, or PatchGAN stride-2 layers.</param>
/// <param name="Norm">instance (conv biases, no norm keys), batch (running statistics) or none.</param>
/// <param name="UseDropout">Whether the ResNet blocks hold dropout (it shifts their keys); null where keys cannot tell.</param>
/// <param name="Widths">Per-layer widths in the model's width layout, when every layer's key is present.</param>
/// <param name="Evidence">Field name to the key and shape it was inferred from.</param>
public sealed record PyTorchLayout(int? InputChannels, int? OutputChannels, int? Width, int? Depth, NormKind? Norm,
    bool? UseDropout, IReadOnlyList<int>? Widths, IReadOnlyDictionary<string, string> Evidence)
{
    /// <summary>Reads a ResnetGenerator state dict (<c>model.1.weight</c>, <c>model.10.conv_block.1.weight</c>, ...).</summary>
    public static PyTorchLayout Resnet(IReadOnlyDictionary<string, SafeTensor> t)
    {
        var ev = new Dictionary<string, string>();
        var blockIds = Indices(t, @"^model\.(\d+)\.conv_block\.");
        int? blocks = blockIds.Count > 0 ? blockIds.Count : null;
        if (blocks != null) ev["blocks"] = $"{blocks} keys model.N.conv_block.* (N = {blockIds.Min()}..{blockIds.Max()})";
        bool? dropout = blocks == null ? null : t.Keys.Any(k => Regex.IsMatch(k, @"^model\.\d+\.conv_block\.6\.weight$"));
        int? c1 = Dim(t, "model.1.weight", 0, "ngf", ev), input = Dim(t, "model.1.weight", 1, "input channels", ev);
        NormKind? norm = NormFrom(t, "model.2.running_mean", "model.1.bias", "model.1.weight", ev);
        int? output = null;
        IReadOnlyList<int>? widths = null;
        if (blocks is int b)
        {
            output = Dim(t, $"model.{17 + b}.weight", 0, "output channels", ev);
            int second = dropout == true ? 6 : 5;
            var list = new List<int?> { c1, Dim(t, "model.4.weight", 0), Dim(t, "model.7.weight", 0) };
            for (int i = 0; i < b; i++) list.Add(Dim(t, $"model.{10 + i}.conv_block.1.weight", 0));
            list.Add(Dim(t, $"model.{10 + b}.weight", 1));
            list.Add(Dim(t, $"model.{13 + b}.weight", 1));
            if (list.All(w => w != null) && t.ContainsKey($"model.{10}.conv_block.{second}.weight")) widths = list.Select(w => w!.Value).ToArray();
        }
        return new(input, output, c1, blocks, norm, dropout, widths, ev);
    }

    /// <summary>The key prefix of the U-Net block at <paramref name="depth"/> (1 = outermost).</summary>
    public static string UnetPrefix(int depth) => depth == 1 ? "model.model." : "model.model.1.model." + string.Concat(Enumerable.Repeat("3.model.", depth - 2));

    /// <summary>Reads a UnetGenerator state dict (<c>model.model.0.weight</c>, <c>model.model.1.model.3.model.2.running_mean</c>, ...).</summary>
    public static PyTorchLayout Unet(IReadOnlyDictionary<string, SafeTensor> t)
    {
        var ev = new Dictionary<string, string>();
        int depth = 0;
        while (t.Keys.Any(k => k.StartsWith(UnetPrefix(depth + 1), StringComparison.Ordinal))) depth++;
        int? n = depth > 0 ? depth : null;
        if (n != null) ev["downsamplings"] = $"keys nest {depth} blocks deep (deepest prefix {UnetPrefix(depth)})";
        string outer = UnetPrefix(1);
        int? ngf = Dim(t, outer + "0.weight", 0, "ngf", ev), input = Dim(t, outer + "0.weight", 1, "input channels", ev);
        int? output = Dim(t, outer + "3.weight", 1, "output channels", ev);
        NormKind? norm = depth >= 2 ? NormFrom(t, UnetPrefix(2) + "2.running_mean", UnetPrefix(2) + "1.bias", UnetPrefix(2) + "1.weight", ev) : null;
        IReadOnlyList<int>? widths = null;
        if (n is int d && d >= 2)
        {
            var list = new List<int?> { ngf };
            for (int l = 2; l <= d; l++) list.Add(Dim(t, UnetPrefix(l) + "1.weight", 0));
            for (int l = d; l >= 2; l--) list.Add(Dim(t, UnetPrefix(l) + (l == d ? "3" : "5") + ".weight", 1));
            if (list.All(w => w != null)) widths = list.Select(w => w!.Value).ToArray();
        }
        return new(input, output, ngf, n, norm, null, widths, ev);
    }

    /// <summary>Reads an NLayerDiscriminator state dict (<c>model.0.weight</c> ... <c>model.11.bias</c> for 3 layers).</summary>
    public static PyTorchLayout PatchGan(IReadOnlyDictionary<string, SafeTensor> t)
    {
        var ev = new Dictionary<string, string>();
        var convs = Indices(t, @"^model\.(\d+)\.weight$").Where(i => t[$"model.{i}.weight"].Dims.Length == 4).ToList();
        int? layers = convs.Count >= 3 ? convs.Count - 2 : null;
        if (layers != null) ev["layers"] = $"{convs.Count} conv weights model.{{{string.Join(",", convs)}}}.weight";
        int? ndf = Dim(t, "model.0.weight", 0, "ndf", ev), input = Dim(t, "model.0.weight", 1, "input channels", ev);
        NormKind? norm = NormFrom(t, "model.3.running_mean", "model.2.bias", "model.2.weight", ev);
        return new(input, 1, ndf, layers, norm, null, null, ev);
    }

    static SortedSet<int> Indices(IReadOnlyDictionary<string, SafeTensor> t, string pattern)
    {
        var set = new SortedSet<int>();
        foreach (var k in t.Keys)
        {
            var m = Regex.Match(k, pattern);
            if (m.Success) set.Add(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        return set;
    }

    static int? Dim(IReadOnlyDictionary<string, SafeTensor> t, string key, int axis, string? field = null, Dictionary<string, string>? ev = null)
    {
        if (!t.TryGetValue(key, out var s) || s.Dims.Length <= axis) return null;
        if (field != null) ev![field] = $"{key} {s}";
        return s.Dims[axis];
    }

    static NormKind? NormFrom(IReadOnlyDictionary<string, SafeTensor> t, string bnKey, string biasKey, string convKey, Dictionary<string, string> ev)
    {
        // The reference gives convs before a norm a bias only with InstanceNorm, which itself has no keys.
        if (t.ContainsKey(bnKey)) { ev["norm"] = $"{bnKey} present (BatchNorm)"; return NormKind.Batch; }
        if (!t.ContainsKey(convKey)) return null;
        if (t.ContainsKey(biasKey)) { ev["norm"] = $"{biasKey} present and no BatchNorm statistics (InstanceNorm)"; return NormKind.Instance; }
        ev["norm"] = $"{convKey} has no bias and no BatchNorm statistics follow (no norm)";
        return NormKind.None;
    }
}
