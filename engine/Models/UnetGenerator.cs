using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

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
/// <remarks>
/// Built with <see cref="HyperOptions"/>, every conv is a <see cref="HyperConv"/> (METHOD.md 3.2): latents z_in
/// (image, fixed), d1..dN for the down convs, uN..u2 for the up convs, z_out (image, fixed); an up conv's input
/// latent is cat(z_dL, z_u(L+1)), in the order of the feature concatenation.
/// </remarks>
public sealed class UnetGenerator : Module, IPrunableGenerator, IGeneratorModel<UnetGeneratorConfig>
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

    /// <summary>
    /// Builds the generator on <paramref name="device"/> with the reference init from <paramref name="seed"/>, or, with
    /// <paramref name="hyper"/>, the generator whose weights a hypernetwork generates (at the widths of <paramref name="config"/>: full for
    /// the search, compact for a fine-tune in the hypernetwork's form).
    /// </summary>
    public UnetGenerator(UnetGeneratorConfig config, Device device, int seed = 0, HyperOptions? hyper = null)
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

        Latent? zIn = null, zOut = null;
        Latent[] zd = [], zu = [];
        if (hyper != null)
        {
            var set = AddChild("latents", new LatentSet());
            Hyper = new HyperNetwork(set);
            zIn = set.Add(init, "in", config.InputChannels, isFixed: true);
            zd = Enumerable.Range(1, n).Select(l => set.Add(init, $"d{l}", D(l))).ToArray();
            // zu[level] for level 2..n, created n first to follow the width layout.
            zu = new Latent[n + 1];
            for (int l = n; l >= 2; l--) zu[l] = set.Add(init, $"u{l}", U(l));
            zOut = set.Add(init, "out", config.OutputChannels, isFixed: true);
        }
        bool bias = NormLayers.ConvBias(config.Norm);
        Module Conv(int cin, int cout, bool transposed, bool withBias, Func<LatentRef> zi, Func<LatentRef> zo) =>
            hyper == null
                ? transposed ? new Layers.ConvTranspose2d(init, cin, cout, 4, 2, 1, 0, withBias) : new Layers.Conv2d(init, cin, cout, 4, 2, 1, withBias)
                : new HyperConv(init, zi(), zo(), 4, 2, 1, 0, transposed, withBias, hyper.Embedding);

        // Innermost first, then outwards, as the reference builds it.
        UnetSkipBlock? block = null;
        for (int level = n; level >= 1; level--)
        {
            int l = level;
            int downIn = l == 1 ? config.InputChannels : D(l - 1);
            int upOut = l == 1 ? config.OutputChannels : U(l);
            int upIn = l == n ? D(l) : D(l) + U(l + 1);
            bool dropout = config.UseDropout && l >= 5 && l < n;
            var down = Conv(downIn, D(l), false, bias, () => new LatentRef(l == 1 ? zIn! : zd[l - 2]), () => new LatentRef(zd[l - 1]));
            var up = Conv(upIn, upOut, true, l == 1 || bias,
                () => l == n ? new LatentRef(zd[l - 1]) : new LatentRef(zd[l - 1], zu[l + 1]),
                () => new LatentRef(l == 1 ? zOut! : zu[l]));
            block = new UnetSkipBlock(init, l == 1, l == n, down, up, D(l), upOut, config.Norm, dropout, block);
            if (Hyper != null)
            {
                Hyper.AddSite(block.DownSite, new LatentRef(zd[l - 1]));
                if (l > 1) Hyper.AddSite(block.UpSite!, new LatentRef(zu[l]));
            }
        }
        _model = AddChild("model", block!);
    }

    /// <inheritdoc />
    public HyperNetwork? Hyper { get; }

    /// <inheritdoc />
    public Module BuildPlain(IReadOnlyList<int> widths, Device device) =>
        new UnetGenerator(Config with { Widths = widths.ToArray() }, device);

    /// <inheritdoc />
    public int[] InputShape(int size) => [1, Config.InputChannels, size, size];

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

    /// <summary>
    /// Creates one level around <paramref name="submodule"/> (null for the innermost) with the given down and up
    /// convs (plain or hyper); downOut and upOut size the norms.
    /// </summary>
    public UnetSkipBlock(Init init, bool outermost, bool innermost, Module downConv, Module upConv, int downOut, int upOut,
        NormKind norm, bool dropout, UnetSkipBlock? submodule)
    {
        _outermost = outermost;
        var layers = new List<Module>();
        if (outermost)
        {
            layers.AddRange([downConv, submodule!, new ReLU(), upConv, new Tanh()]);
            DownSite = downConv;
        }
        else if (innermost)
        {
            UpSite = NormLayers.Create(init, norm, upOut);
            layers.AddRange([new LeakyReLU(0.2f), downConv, new ReLU(), upConv, UpSite]);
            DownSite = downConv;
        }
        else
        {
            DownSite = NormLayers.Create(init, norm, downOut);
            UpSite = NormLayers.Create(init, norm, upOut);
            layers.AddRange([new LeakyReLU(0.2f), downConv, DownSite, submodule!, new ReLU(), upConv, UpSite]);
            if (dropout) layers.Add(new Dropout(0.5f, init.NextSeed()));
        }
        _model = AddChild("model", new Sequential(layers));
    }

    /// <summary>The module whose output carries the down conv's channels (its norm, or the conv where there is none).</summary>
    public Module DownSite { get; }

    /// <summary>The module whose output carries the up conv's channels (its norm); null for the outermost level.</summary>
    public Module? UpSite { get; }

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
        var result = Ops.Concat(h, y);
        if (free) { h.Dispose(); y.Dispose(); }
        return result;
    }
}
