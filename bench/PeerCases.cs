using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN.Bench;

/// <summary>
/// The generators the peer comparison runs: full ResNet-9 (ngf 64) at 64/128/256 pixels, ResNet-6 (ngf 64) at 64 and
/// 128, U-Net-256 (ngf 64, 8 downs), U-Net-128 (7 downs) and the 6-down U-Net at 64 pixels (issue 19's small images), and
/// compact ResNet-9 / U-Net at MAC ratios 0.1 and 0.05 of the full one. Compact widths here are the full widths
/// scaled by one factor until the MACs meet the ratio (a search gives uneven widths; the cost per MAC is alike).
/// </summary>
public static class PeerCases
{
    /// <summary>Case names: arch-size, arch-size-rRATIO, or arch-size-oRATIO (odd widths, 256 px only).</summary>
    public static readonly string[] Names =
        ["resnet9-64", "resnet9-128", "resnet9-256", "resnet6-64", "resnet6-128", "unet64-64", "unet128-128", "resnet9-256-r0.1", "resnet9-256-r0.05", "unet256-256", "unet256-256-r0.1", "unet256-256-r0.05"];

    /// <summary>The case's generator on <paramref name="device"/> (eval mode, fixed seed) and its image size.</summary>
    public static (Module Model, int Size) Build(string name, Device device)
    {
        var parts = name.Split('-');
        int size = int.Parse(parts[1]);
        double? ratio = parts.Length > 2 ? double.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture) : null;
        // patchgan-SIZE: the 70x70 PatchGAN (ndf 64, 3 layers, instance norm) for forward-ab only (ONNX export covers generators).
        if (parts[0] == "patchgan") return (new PatchGanDiscriminator(new PatchGanConfig(), device, seed: 3).Eval(), size);
        bool unet = parts[0].StartsWith("unet", StringComparison.Ordinal);
        // unet256 / unet128 / unet64: 8, 7 or 6 downs (the U-Net whose bottleneck is 1x1 at that size); resnet9 / resnet6: blocks.
        int downs = unet ? System.Numerics.BitOperations.Log2((uint)int.Parse(parts[0][4..])) : 0;
        int blocks = unet ? 0 : int.Parse(parts[0][6..]);
        // rRATIO: widths scaled to the ratio; oRATIO: the same rounded to odd numbers (CompactSpeedup's widths).
        IReadOnlyList<int>? widths = ratio is not { } r ? null
            : parts[2][0] == 'o' ? CompactSpeedup.OddWidths(unet, r, MacsOf(unet, null)) : ScaledWidths(unet, r);
        Module model = unet
            ? new UnetGenerator(new UnetGeneratorConfig(NumDowns: downs, Widths: widths), device, seed: 2)
            : new ResnetGenerator(new ResnetGeneratorConfig(Blocks: blocks, Widths: widths), device, seed: 1);
        return (model.Eval(), size);
    }

    /// <summary>The input every case runs on: [1, 3, size, size] uniform in [-1, 1), the same for engine and peer.</summary>
    public static float[] Input(int size)
    {
        var input = new float[3 * size * size];
        var r = new Random(7);
        for (int i = 0; i < input.Length; i++) input[i] = (float)(r.NextDouble() * 2 - 1);
        return input;
    }

    static long MacsOf(bool unet, int[]? w)
    {
        using Module m = unet ? new UnetGenerator(new UnetGeneratorConfig(Widths: w), Device.Meta)
            : new ResnetGenerator(new ResnetGeneratorConfig(Widths: w), Device.Meta);
        return MacCounter.Count(m, 1, 3, 256, 256).Macs;
    }

    static int[] ScaledWidths(bool unet, double ratio)
    {
        int[] full = unet ? UnetGenerator.FullWidths(64, 8) : ResnetGenerator.FullWidths(64, 9);
        long Macs(int[] w)
        {
            using Module m = unet ? new UnetGenerator(new UnetGeneratorConfig(Widths: w), Device.Meta)
                : new ResnetGenerator(new ResnetGeneratorConfig(Widths: w), Device.Meta);
            return MacCounter.Count(m, 1, 3, 256, 256).Macs;
        }
        long target = (long)(ratio * Macs(full));
        double lo = 0.01, hi = 1;
        int[] Scale(double f) => full.Select(c => Math.Max(4, (int)Math.Round(c * f))).ToArray();
        for (int i = 0; i < 30; i++)
        {
            double mid = (lo + hi) / 2;
            if (Macs(Scale(mid)) > target) hi = mid; else lo = mid;
        }
        return Scale(lo);
    }
}
