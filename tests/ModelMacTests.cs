using System.Globalization;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN.Tests;

/// <summary>The paper's headline figures and the per-layer tables of ../shared/mac-reference.txt, to the last MAC.</summary>
public class ModelMacTests
{
    static MacReport Resnet(int ngf, int size = 256, IReadOnlyList<int>? widths = null) =>
        MacCounter.Count(new ResnetGenerator(new ResnetGeneratorConfig(Ngf: ngf, Widths: widths), Device.Meta), 1, 3, size, size);

    static MacReport Unet(int ngf, int numDowns = 8, int size = 256) =>
        MacCounter.Count(new UnetGenerator(new UnetGeneratorConfig(Ngf: ngf, NumDowns: numDowns), Device.Meta), 1, 3, size, size);

    [Fact]
    public void Resnet9Ngf64ReproducesThePaperFigures()
    {
        var r = Resnet(64);
        Assert.Equal(56_799_264_768L, r.Macs);
        Assert.Equal(56_799_264_768L, r.ConvMacs);
        Assert.Equal(49_551_507_456L, r.TrueMacs);
        Assert.Equal(11_378_179L, r.Params);
    }

    [Fact]
    public void Resnet9Ngf16IsAbout3_78GAnd0_716M()
    {
        var r = Resnet(16);
        Assert.InRange(r.Macs, 3_780_500_000L, 3_781_500_000L);
        Assert.InRange(r.Params, 715_500L, 716_500L);
    }

    [Fact]
    public void Unet256Ngf64BatchNorm()
    {
        var r = Unet(64);
        Assert.Equal(54_413_955L, r.Params);
        Assert.Equal(18_140_364_800L, r.ConvMacs);
        Assert.Equal(18_145_343_488L, r.Macs);
        Assert.Equal(6_048_186_368L, r.TrueMacs);
    }

    [Theory]
    [InlineData(48, 10.289)]
    [InlineData(32, 4.648)]
    [InlineData(16, 1.219)]
    public void UnetOtherWidthsMatchTheReferenceSummary(int ngf, double gmacs) =>
        Assert.Equal(gmacs, Math.Round(Unet(ngf).ConvMacs / 1e9, 3));

    [Fact]
    public void PatchGanNdf64ThreeLayers()
    {
        var d = new PatchGanDiscriminator(new PatchGanConfig(InputChannels: 3, Ndf: 64, Layers: 3), Device.Meta);
        Assert.Equal(2_764_737L, d.ParameterCount);
        var r = MacCounter.Count(d, 1, 3, 256, 256);
        Assert.Equal(5, r.Layers.Count(l => l.Op == "conv2d"));
    }

    /// <summary>Rows "name cin cout k Hout macs true params" of the ResNet table in mac-reference.txt.</summary>
    static List<long[]> ReferenceRows(string startsWith, string endsWith)
    {
        var lines = File.ReadAllLines(SharedFiles.Path("mac-reference.txt"));
        int start = Array.FindIndex(lines, l => l.StartsWith(startsWith, StringComparison.Ordinal));
        Assert.True(start >= 0, $"'{startsWith}' not found in mac-reference.txt");
        var rows = new List<long[]>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith(endsWith, StringComparison.Ordinal); i++)
        {
            var nums = Regex.Matches(lines[i], @"(?<![\w>-])\d[\d,]*(?![\w])").Select(m => long.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToArray();
            if (nums.Length >= 3) rows.Add(nums);
        }
        return rows;
    }

    [Fact]
    public void Resnet9PerLayerTableMatchesReference()
    {
        var reference = ReferenceRows("layer ", "TOTAL");
        Assert.Equal(24, reference.Count);
        var ours = Resnet(64).Layers.Where(l => l.Op is "conv2d" or "conv_transpose2d").ToList();
        Assert.Equal(reference.Count, ours.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            var row = reference[i];   // cin cout k Hout macs true params
            var l = ours[i];
            Assert.True(row[0] == l.InChannels && row[1] == l.OutChannels && row[2] == l.Kernel && row[3] == l.OutHeight
                && row[4] == l.Macs && row[5] == l.TrueMacs && row[6] == l.Params,
                $"layer {i} ({l.Layer}): ours {l.InChannels}->{l.OutChannels} k{l.Kernel} @{l.OutHeight} {l.Macs}/{l.TrueMacs}/{l.Params}, reference {string.Join(" ", row)}");
        }
    }

    [Fact]
    public void Unet256PerLayerTableMatchesReference()
    {
        var lines = File.ReadAllLines(SharedFiles.Path("mac-reference.txt"));
        int start = Array.FindIndex(lines, l => l.StartsWith("U-Net-256 (num_downs=8", StringComparison.Ordinal));
        var expected = new List<(string Kind, long Macs, long True, long Params)>();
        for (int i = start + 1; !lines[i].StartsWith("conv+convT", StringComparison.Ordinal); i++)
        {
            var parts = Regex.Split(lines[i].Trim(), @"\s{2,}");
            // name, kind, macs, true macs, params
            var kind = parts[^4];
            long P(string s) => long.Parse(s.Replace(",", ""), CultureInfo.InvariantCulture);
            expected.Add((kind, P(parts[^3]), P(parts[^2]), P(parts[^1])));
        }
        Assert.Equal(36, expected.Count);
        var ours = Unet(64).Layers.Select(l => (Kind: l.Op switch
        {
            "conv2d" => "conv", "conv_transpose2d" => "convT", "batch_norm" => "bn", "leaky_relu" => "lrelu", _ => l.Op,
        }, l.Macs, True: l.TrueMacs, l.Params)).ToList();
        static string Key((string Kind, long Macs, long True, long Params) r) => $"{r.Kind} {r.Macs} {r.True} {r.Params}";
        Assert.Equal(expected.Select(Key).OrderBy(s => s, StringComparer.Ordinal), ours.Select(Key).OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void PrunedWidthsChangeTheCountAsTheFormulaSays()
    {
        // METHOD.md 3.3: MACs of ResNet-9 as a function of its widths (torchprofile convention, 256x256).
        var w = new[] { 24, 40, 100, 30, 60, 90, 10, 20, 50, 70, 80, 5, 48, 16 };
        long s = 256L * 256, s2 = 128L * 128, s4 = 64L * 64;
        long expected = s * w[0] * 3 * 49 + s2 * w[1] * w[0] * 9 + s4 * w[2] * w[1] * 9;
        for (int k = 0; k < 9; k++) expected += s4 * (w[3 + k] * w[2] * 9L + w[2] * (long)w[3 + k] * 9);
        expected += s2 * w[12] * w[2] * 9 + s * w[13] * w[12] * 9 + s * 3 * w[13] * 49;
        Assert.Equal(expected, Resnet(64, widths: w).Macs);
    }
}
