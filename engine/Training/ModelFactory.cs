using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Models.Families.Dcgan;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Engine.Training;

/// <summary>Builds the generators and discriminators a run's options describe (the reference's norm and dropout per mode).</summary>
internal static class ModelFactory
{
    /// <summary>
    /// A generator: the searching one with <paramref name="hyper"/>, else a plain one of <paramref name="widths"/>
    /// (null: full width), with the options' norm and dropout (by default pix2pix uses batch norm and dropout,
    /// CycleGAN instance norm without dropout).
    /// </summary>
    public static Module Generator(TrainOptions o, Device device, int seed, bool hyper, IReadOnlyList<int>? widths)
    {
        var family = GeneratorFamilies.For(o.EffectiveNetG);
        return family.Build(family.ForTraining(o, widths), device, seed, hyper ? new HyperOptions() : null);
    }

    /// <summary>The PatchGAN (3 layers: 70x70); pix2pix's is conditional (6 input channels); DCGAN's own for dcgan mode.</summary>
    public static Module Discriminator(TrainOptions o, Device device, int seed) => o.Mode == TrainMode.Dcgan
        ? new DcganDiscriminator(new DcganDiscriminatorConfig(3, o.Ndf, o.Size), device, seed)
        : new PatchGanDiscriminator(new PatchGanConfig(InputChannels: o.Mode == TrainMode.Pix2Pix ? 6 : 3, Ndf: o.Ndf, Layers: o.LayersD, Norm: o.EffectiveNorm), device, seed);

    /// <summary>unet_256 has 8 downsamplings; smaller images get log2(size) so the bottleneck is 1 pixel.</summary>
    public static int UnetDowns(int size) => Math.Min(8, (int)Math.Log2(size));

    /// <summary>The widths of a plain or hyper generator.</summary>
    public static int[] Widths(Module g) => GeneratorFamilies.Of(g).Widths(g).ToArray();
}
