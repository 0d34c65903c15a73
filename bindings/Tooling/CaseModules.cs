using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;

namespace CoroNetGAN.Tooling;

/// <summary>
/// Builds the module a golden case names (<c>architecture</c> and <c>constructor_args</c> of its case.json) from
/// the engine's classes, with PyTorch's constructor defaults for anything the case leaves out.
/// </summary>
internal static class CaseModules
{
    /// <summary>The <c>architecture</c> values understood.</summary>
    public static readonly string[] Known =
        ["Conv2d", "ConvTranspose2d", "ReflectionPad2d", "InstanceNorm2d", "BatchNorm2d", "ResnetGenerator", "UnetGenerator", "NLayerDiscriminator"];

    public static Module Build(string architecture, JsonElement constructorArgs, Device device)
    {
        var a = new CaseArgs(architecture, constructorArgs);
        var init = new Init(device, 0);
        Module m = architecture switch
        {
            "Conv2d" => Conv(a, init),
            "ConvTranspose2d" => ConvTranspose(a, init),
            "ReflectionPad2d" => new ReflectionPad2d(a.Int("padding")),
            "InstanceNorm2d" => Instance(a, init),
            "BatchNorm2d" => Batch(a, init),
            "ResnetGenerator" => Resnet(a, device),
            "UnetGenerator" => Unet(a, device),
            "NLayerDiscriminator" => PatchGan(a, device),
            _ => throw new NotSupportedException($"Architecture '{architecture}' is not supported; known: {string.Join(", ", Known)}."),
        };
        try { a.CheckAllRead(); }
        catch { m.Dispose(); throw; }
        return m;
    }

    static Module Conv(CaseArgs a, Init init)
    {
        a.RequireDefault("dilation", 1);
        a.RequireDefault("groups", 1);
        a.Require("padding_mode", "zeros");
        return new Conv2d(init, a.Int("in_channels"), a.Int("out_channels"), a.Int("kernel_size"), a.Int("stride", 1), a.Int("padding", 0),
            a.Bool("bias", true));
    }

    static Module ConvTranspose(CaseArgs a, Init init)
    {
        a.RequireDefault("dilation", 1);
        a.RequireDefault("groups", 1);
        a.Require("padding_mode", "zeros");
        return new ConvTranspose2d(init, a.Int("in_channels"), a.Int("out_channels"), a.Int("kernel_size"), a.Int("stride", 1),
            a.Int("padding", 0), a.Int("output_padding", 0), a.Bool("bias", true));
    }

    static Module Instance(CaseArgs a, Init init)
    {
        a.Require("track_running_stats", false, false);
        a.Double("momentum", 0.1); // used only with running statistics, which are refused above
        return new InstanceNorm2d(init, a.Int("num_features"), a.Bool("affine", false), (float)a.Double("eps", 1e-5));
    }

    static Module Batch(CaseArgs a, Init init)
    {
        a.Require("affine", true, true);
        a.Require("track_running_stats", true, true);
        return new BatchNorm2d(init, a.Int("num_features"), (float)a.Double("eps", 1e-5), (float)a.Double("momentum", 0.1));
    }

    // networks.py's constructors default to BatchNorm2d; the case's "norm" is the --norm name.
    static NormKind Norm(CaseArgs a) => a.String("norm", "batch") switch
    {
        "instance" => NormKind.Instance,
        "batch" => NormKind.Batch,
        "none" => NormKind.None,
        var other => throw new NotSupportedException($"norm '{other}' is not supported (instance, batch or none)."),
    };

    static Module Resnet(CaseArgs a, Device device)
    {
        a.Require("padding_type", "reflect");
        return new ResnetGenerator(new ResnetGeneratorConfig(a.Int("input_nc"), a.Int("output_nc"), a.Int("ngf", 64), a.Int("n_blocks", 6),
            Norm(a), a.Bool("use_dropout", false)), device);
    }

    static Module Unet(CaseArgs a, Device device)
    {
        // networks.py always builds the innermost block, three fixed levels and the outermost, so fewer than five
        // downsamplings still give five.
        int downs = Math.Max(5, a.Int("num_downs"));
        return new UnetGenerator(new UnetGeneratorConfig(a.Int("input_nc"), a.Int("output_nc"), downs, a.Int("ngf", 64), Norm(a),
            a.Bool("use_dropout", false)), device);
    }

    static Module PatchGan(CaseArgs a, Device device) =>
        new PatchGanDiscriminator(new PatchGanConfig(a.Int("input_nc"), a.Int("ndf", 64), a.Int("n_layers", 3), Norm(a)), device);
}
