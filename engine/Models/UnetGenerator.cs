using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models;

/// <summary>Settings of a <see cref="UnetGenerator"/>.</summary>
/// <param name="InputChannels">Image channels in (3).</param>
/// <param name="OutputChannels">Image channels out (3).</param>
/// <param name="NumDowns">Stride-2 downsamplings: 8 for 256-pixel input (unet_256), 7 for 128, 6 for 64; at least 5.</param>
/// <param name="Ngf">Filters of the outermost conv (64).</param>
/// <param name="Norm">Batch norm (pix2pix), instance norm, or none.</param>
/// <param name="UseDropout">Dropout 0.5 in the NumDowns - 5 middle ngf*8 up blocks (pix2pix default: on).</param>
/// <param name="Widths">Per-layer widths for a pruned generator: d1..dN (down convs) then uN..u2 (up convs),
/// 2*NumDowns - 1 entries; null for full width.</param>
public sealed record UnetGeneratorConfig(int InputChannels = 3, int OutputChannels = 3, int NumDowns = 8, int Ngf = 64,
    NormKind Norm = NormKind.Batch, bool UseDropout = true, IReadOnlyList<int>? Widths = null);

/// <summary>
/// The U-Net generator of pix2pix (pytorch-CycleGAN-and-pix2pix's UnetGenerator), built from nested skip blocks
/// exactly as the reference nests them, so parameter keys match its state_dict
/// (<c>model.model.1.model.3.model.2.running_mean</c>). Every conv is 4x4 stride 2 padding 1. As in the reference,
/// whose LeakyReLU runs in place, each skip connection carries the LeakyReLU-activated tensor.
/// </summary>
public sealed class UnetGenerator : Module
{
    /// <summary>Names of the width entries, in order: d1..dN, uN..u2.</summary>
    public static string WidthLayout(int numDowns) =>
        string.Join(", ", Enumerable.Range(1, numDowns).Select(i => $"d{i}").Concat(Enumerable.Range(2, numDowns - 1).Reverse().Select(i => $"u{i}")));

    /// <summary>Full widths: d = ngf, 2ngf, 4ngf, 8ngf, ...; u_L = d_(L-1).</summary>
    public static int[] FullWidths(int ngf, int numDowns)
    {
        var d = Enumerable.Range(1, numDowns).Select(l => ngf * Math.Min(8, 1 << (l - 1))).ToArray();
        var u = Enumerable.Range(2, numDowns - 1).Reverse().Select(l => d[l - 2]);
        return d.Concat(u).ToArray();
    }

    readonly UnetSkipBlock _model;

    /// <summary>Builds the generator on <paramref name="device"/> with the reference init from <paramref name="seed"/>.</summary>
    public UnetGenerator(UnetGeneratorConfig config, Device device, int seed = 0)
    {
        const string name = "U-Net generator";
        Validate.Positive(name, "input channels", config.InputChannels);
        Validate.Positive(name, "output channels", config.OutputChannels);
        Validate.Positive(name, "ngf", config.Ngf);
        if (config.NumDowns < 5)
            throw new ArgumentException($"{name}: needs at least 5 downsamplings (the reference's smallest U-Net), got {config.NumDowns}; use 8 for 256-pixel, 7 for 128-pixel and 6 for 64-pixel input.");
        Config = config;
        int n = config.NumDowns;
        Widths = Validate.Widths(name, config.Widths, FullWidths(config.Ngf, n), WidthLayout(n));
        var init = new Init(device, seed);
        int D(int level) => Widths[level - 1];
        int U(int level) => Widths[n + (n - level)];

        // Innermost first, then outwards, as the reference builds it.
        UnetSkipBlock? block = null;
        for (int level = n; level >= 1; level--)
        {
            int downIn = level == 1 ? config.InputChannels : D(level - 1);
            int upOut = level == 1 ? config.OutputChannels : U(level);
            int upIn = level == n ? D(level) : D(level) + U(level + 1);
            bool dropout = config.UseDropout && level >= 5 && level < n;
            block = new UnetSkipBlock(init, level == 1, level == n, downIn, D(level), upIn, upOut, config.Norm, dropout, block);
        }
        _model = AddChild("model", block!);
    }

    /// <summary>The configuration it was built from.</summary>
    public UnetGeneratorConfig Config { get; }

    /// <summary>The per-layer widths in use (full or pruned).</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        int n = Config.NumDowns, m = 1 << n;
        if (x.Rank != 4 || x.Dim(1) != Config.InputChannels)
            throw new ArgumentException($"U-Net generator: expects input [N,{Config.InputChannels},H,W], got {Tensor.Format(x.Dims)}.");
        if (x.Dim(2) % m != 0 || x.Dim(3) % m != 0)
            throw new ArgumentException($"U-Net generator: {n} downsamplings halve the input {n} times, so height and width must be multiples of {m}; got {Tensor.Format(x.Dims)}. Use 8 downsamplings for 256-pixel, 7 for 128-pixel, 6 for 64-pixel input.");
        return _model.Forward(x);
    }
}

/// <summary>
/// One level of the U-Net (the reference's UnetSkipConnectionBlock), its layers under key <c>model</c>:
/// outermost [downconv, sub, ReLU, upconv (bias), Tanh]; innermost [LeakyReLU, downconv, ReLU, upconv, upnorm];
/// others [LeakyReLU, downconv, downnorm, sub, ReLU, upconv, upnorm, (Dropout 0.5)]. Non-outermost levels return
/// cat(LeakyReLU(x), model output): the skip first.
/// </summary>
public sealed class UnetSkipBlock : Module
{
    readonly Sequential _model;
    readonly bool _outermost;

    /// <summary>Creates one level around <paramref name="submodule"/> (null for the innermost).</summary>
    public UnetSkipBlock(Init init, bool outermost, bool innermost, int downIn, int downOut, int upIn, int upOut,
        NormKind norm, bool dropout, UnetSkipBlock? submodule)
    {
        _outermost = outermost;
        bool bias = NormLayers.ConvBias(norm);
        var downConv = new Layers.Conv2d(init, downIn, downOut, 4, 2, 1, bias);
        var layers = new List<Module>();
        if (outermost)
        {
            layers.Add(downConv);
            layers.Add(submodule!);
            layers.AddRange([new ReLU(), new Layers.ConvTranspose2d(init, upIn, upOut, 4, 2, 1, 0, bias: true), new Tanh()]);
        }
        else if (innermost)
        {
            layers.AddRange([new LeakyReLU(0.2f), downConv]);
            layers.AddRange([new ReLU(), new Layers.ConvTranspose2d(init, upIn, upOut, 4, 2, 1, 0, bias), NormLayers.Create(init, norm, upOut)]);
        }
        else
        {
            layers.AddRange([new LeakyReLU(0.2f), downConv, NormLayers.Create(init, norm, downOut), submodule!]);
            layers.AddRange([new ReLU(), new Layers.ConvTranspose2d(init, upIn, upOut, 4, 2, 1, 0, bias), NormLayers.Create(init, norm, upOut)]);
            if (dropout) layers.Add(new Dropout(0.5f, init.NextSeed()));
        }
        _model = AddChild("model", new Sequential(layers));
    }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (_outermost) return _model.Forward(x);
        // The reference's first layer is LeakyReLU(inplace=True): it overwrites x, so the skip is the activated x.
        var layers = _model.Layers;
        var h = layers[0].Forward(x);
        bool free = Tape.Current is { IsRecording: false };
        var y = h;
        for (int i = 1; i < layers.Count; i++)
        {
            var next = layers[i].Forward(y);
            if (free && !ReferenceEquals(y, h) && !ReferenceEquals(y, next)) y.Dispose();
            y = next;
        }
        var result = Ops.Ops.Concat(h, y);
        if (free) { h.Dispose(); y.Dispose(); }
        return result;
    }
}
