using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Engine.Training;

/// <summary>Builds the generators and discriminators a run's options describe (the reference's norm and dropout per mode).</summary>
internal static class ModelFactory
{
    /// <summary>
    /// A generator: the searching one with <paramref name="hyper"/>, else a plain one of <paramref name="widths"/>
    /// (null: full width). Pix2pix uses batch norm and dropout, CycleGAN instance norm without dropout.
    /// </summary>
    public static Module Generator(TrainOptions o, Device device, int seed, bool hyper, IReadOnlyList<int>? widths)
    {
        bool p2p = o.Mode == TrainMode.Pix2Pix;
        var h = hyper ? new HyperOptions() : null;
        return o.EffectiveNetG switch
        {
            GeneratorArch.Unet => new UnetGenerator(new UnetGeneratorConfig(NumDowns: UnetDowns(o.Size), Ngf: o.Ngf, Norm: NormKind.Batch, UseDropout: true, Widths: widths), device, seed, h),
            var r => new ResnetGenerator(new ResnetGeneratorConfig(Ngf: o.Ngf, Blocks: r == GeneratorArch.Resnet6 ? 6 : 9,
                Norm: p2p ? NormKind.Batch : NormKind.Instance, UseDropout: p2p, Widths: widths), device, seed, h),
        };
    }

    /// <summary>The 70x70 PatchGAN (3 layers); pix2pix's is conditional (6 input channels) with batch norm.</summary>
    public static Module Discriminator(TrainOptions o, Device device, int seed)
    {
        bool p2p = o.Mode == TrainMode.Pix2Pix;
        return new PatchGanDiscriminator(new PatchGanConfig(InputChannels: p2p ? 6 : 3, Ndf: o.Ndf, Layers: 3, Norm: p2p ? NormKind.Batch : NormKind.Instance), device, seed);
    }

    /// <summary>unet_256 has 8 downsamplings; smaller images get log2(size) so the bottleneck is 1 pixel.</summary>
    public static int UnetDowns(int size) => Math.Min(8, (int)Math.Log2(size));

    /// <summary>The widths of a plain or hyper generator.</summary>
    public static int[] Widths(Module g) => g switch
    {
        ResnetGenerator r => r.Widths.ToArray(),
        UnetGenerator u => u.Widths.ToArray(),
        _ => throw new ArgumentException($"not a generator: {g.GetType().Name}"),
    };
}
