using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>Settings of a <see cref="ResnetGenerator"/>.</summary>
/// <param name="InputChannels">Image channels in (3).</param>
/// <param name="OutputChannels">Image channels out (3).</param>
/// <param name="Ngf">Filters of the first conv (64); the others are multiples.</param>
/// <param name="Blocks">Residual blocks (9 for ResNet-9, 6 for ResNet-6).</param>
/// <param name="Norm">Instance norm (CycleGAN), batch norm, or none.</param>
/// <param name="UseDropout">Dropout 0.5 inside each residual block (off in CycleGAN).</param>
/// <param name="Widths">Per-layer widths for a pruned generator, in the order of <see cref="ResnetGenerator.WidthLayout"/>
/// (5 + Blocks entries); null for full width.</param>
public sealed record ResnetGeneratorConfig(int InputChannels = 3, int OutputChannels = 3, int Ngf = 64, int Blocks = 9,
    NormKind Norm = NormKind.Instance, bool UseDropout = false, IReadOnlyList<int>? Widths = null);

/// <summary>
/// The ResNet generator of CycleGAN (pytorch-CycleGAN-and-pix2pix's ResnetGenerator): reflection pad + 7x7 conv,
/// two stride-2 downsampling convs, residual blocks, two stride-2 transposed convs, reflection pad + 7x7 conv and
/// tanh. Parameter keys are the reference's state_dict keys (<c>model.1.weight</c>,
/// <c>model.10.conv_block.1.weight</c>, ...). A pruned generator is the same class with other widths.
/// </summary>
/// <remarks>
/// Built with <see cref="HyperOptions"/>, every conv is a <see cref="HyperConv"/> whose weight a hypernetwork
/// generates from latent vectors (METHOD.md 3.1): z_in (image, fixed), c1, d1, R (shared by down2 and the second conv
/// of every block: the residual stream), b1..bN (inside each block), u1, u2, z_out (image, fixed).
/// </remarks>
public sealed class ResnetGenerator : Module, IPrunableGenerator, IGeneratorModel<ResnetGeneratorConfig>
{
    /// <summary>Names of the width entries, in order (for Blocks = 9: c1, d1, R, b1..b9, u1, u2).</summary>
    public static string WidthLayout(int blocks) =>
        string.Join(", ", new[] { "c1", "d1", "R" }.Concat(Enumerable.Range(1, blocks).Select(i => $"b{i}")).Concat(["u1", "u2"]));

    /// <summary>Full widths: ngf, 2ngf, 4ngf, 4ngf per block, 2ngf, ngf.</summary>
    public static int[] FullWidths(int ngf, int blocks) =>
        new[] { ngf, 2 * ngf, 4 * ngf }.Concat(Enumerable.Repeat(4 * ngf, blocks)).Concat([2 * ngf, ngf]).ToArray();

    readonly Sequential _model;

    /// <summary>
    /// Builds the generator on <paramref name="device"/> with the reference init (N(0, 0.02)) from <paramref name="seed"/>,
    /// or, with <paramref name="hyper"/>, the generator whose weights a hypernetwork generates (at the widths of
    /// <paramref name="config"/>: full for the search, compact for a fine-tune in the hypernetwork's form).
    /// </summary>
    public ResnetGenerator(ResnetGeneratorConfig config, Device device, int seed = 0, HyperOptions? hyper = null)
    {
        const string name = "ResNet generator";
        Validate.Positive(name, "input channels", config.InputChannels);
        Validate.Positive(name, "output channels", config.OutputChannels);
        Validate.Positive(name, "ngf", config.Ngf);
        Validate.Positive(name, "the number of residual blocks", config.Blocks);
        Config = config;
        Widths = Validate.Widths(name, config.Widths, FullWidths(config.Ngf, config.Blocks), WidthLayout(config.Blocks));
        var init = new Init(device, seed);
        var norm = config.Norm;
        bool bias = NormLayers.ConvBias(norm);
        int c1 = Widths[0], d1 = Widths[1], r = Widths[2], u1 = Widths[^2], u2 = Widths[^1];
        int blocks = config.Blocks;

        // Latents in width-layout order, so the prunable ones line up with the width list.
        Latent[]? z = null;
        if (hyper != null)
        {
            var set = AddChild("latents", new LatentSet());
            Hyper = new HyperNetwork(set);
            var zin = set.Add(init, "in", config.InputChannels, isFixed: true);
            var names = WidthLayout(blocks).Split(", ");
            var prunable = names.Select((n, i) => set.Add(init, n, Widths[i])).ToArray();
            var zout = set.Add(init, "out", config.OutputChannels, isFixed: true);
            z = [zin, .. prunable, zout];
        }
        // z indices: 0 in, 1 c1, 2 d1, 3 R, 4..3+blocks b_k, 4+blocks u1, 5+blocks u2, 6+blocks out.
        Module Conv(int cin, int cout, int k, int stride, int pad, bool withBias, int zi, int zo, bool transposed = false) =>
            z == null
                ? transposed ? new Layers.ConvTranspose2d(init, cin, cout, k, stride, pad, 1, withBias) : new Layers.Conv2d(init, cin, cout, k, stride, pad, withBias)
                : new HyperConv(init, new LatentRef(z[zi]), new LatentRef(z[zo]), k, stride, pad, transposed ? 1 : 0, transposed, withBias, hyper!.Embedding);
        Module Site(Module m, int zi)
        {
            if (z != null) Hyper!.AddSite(m, new LatentRef(z[zi]));
            return m;
        }

        var layers = new List<Module>
        {
            new ReflectionPad2d(3), Conv(config.InputChannels, c1, 7, 1, 0, bias, 0, 1), Site(NormLayers.Create(init, norm, c1), 1), new ReLU(),
            Conv(c1, d1, 3, 2, 1, bias, 1, 2), Site(NormLayers.Create(init, norm, d1), 2), new ReLU(),
            Conv(d1, r, 3, 2, 1, bias, 2, 3), Site(NormLayers.Create(init, norm, r), 3), new ReLU(),
        };
        for (int i = 0; i < blocks; i++)
        {
            int zb = 4 + i;
            var block = new ResnetBlock(init, r, Widths[3 + i], norm, config.UseDropout,
                Conv(r, Widths[3 + i], 3, 1, 0, bias, 3, zb), Conv(Widths[3 + i], r, 3, 1, 0, bias, zb, 3));
            Site(block.InnerNorm, zb);
            Site(block.OutputNorm, 3);
            layers.Add(block);
        }
        layers.AddRange([
            Conv(r, u1, 3, 2, 1, bias, 3, 4 + blocks, transposed: true), Site(NormLayers.Create(init, norm, u1), 4 + blocks), new ReLU(),
            Conv(u1, u2, 3, 2, 1, bias, 4 + blocks, 5 + blocks, transposed: true), Site(NormLayers.Create(init, norm, u2), 5 + blocks), new ReLU(),
            new ReflectionPad2d(3), Conv(u2, config.OutputChannels, 7, 1, 0, true, 5 + blocks, 6 + blocks), new Tanh(),
        ]);
        _model = AddChild("model", new Sequential(layers));
    }

    /// <inheritdoc />
    public HyperNetwork? Hyper { get; }

    /// <inheritdoc />
    public Module BuildPlain(IReadOnlyList<int> widths, Device device) =>
        new ResnetGenerator(Config with { Widths = widths.ToArray() }, device);

    /// <inheritdoc />
    public int[] InputShape(int size) => [1, Config.InputChannels, size, size];

    /// <summary>The configuration it was built from.</summary>
    public ResnetGeneratorConfig Config { get; }

    /// <summary>The per-layer widths in use (full or pruned).</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != Config.InputChannels)
            throw new ArgumentException($"ResNet generator: expects input [N,{Config.InputChannels},H,W], got {Tensor.Format(x.Dims)}.");
        if (x.Dim(2) % 4 != 0 || x.Dim(3) % 4 != 0 || x.Dim(2) < 8 || x.Dim(3) < 8)
            throw new ArgumentException($"ResNet generator: height and width must be multiples of 4 and at least 8 (two stride-2 downsamplings and back), got {Tensor.Format(x.Dims)}.");
        return _model.Forward(x);
    }
}

/// <summary>
/// One residual block: x + [pad 1, conv 3x3 (dim -> inner), norm, ReLU, (dropout), pad 1, conv 3x3 (inner -> dim), norm],
/// under the reference's key <c>conv_block</c>. The inner width is pruned independently; dim is the shared residual width.
/// </summary>
public sealed class ResnetBlock : Module
{
    readonly Sequential _block;

    /// <summary>Creates the block with plain convs.</summary>
    public ResnetBlock(Init init, int dim, int inner, NormKind norm, bool useDropout)
        : this(init, dim, inner, norm, useDropout,
            new Layers.Conv2d(init, dim, inner, 3, 1, 0, NormLayers.ConvBias(norm)), new Layers.Conv2d(init, inner, dim, 3, 1, 0, NormLayers.ConvBias(norm)))
    {
    }

    /// <summary>Creates the block around the given convs (plain or hyper): pad, conv1, norm, ReLU, (dropout), pad, conv2, norm.</summary>
    public ResnetBlock(Init init, int dim, int inner, NormKind norm, bool useDropout, Module conv1, Module conv2)
    {
        InnerNorm = NormLayers.Create(init, norm, inner);
        OutputNorm = NormLayers.Create(init, norm, dim);
        var layers = new List<Module> { new ReflectionPad2d(1), conv1, InnerNorm, new ReLU() };
        if (useDropout) layers.Add(new Dropout(0.5f, init.NextSeed()));
        layers.AddRange([new ReflectionPad2d(1), conv2, OutputNorm]);
        _block = AddChild("conv_block", new Sequential(layers));
    }

    /// <summary>The norm after the first conv (its output carries the block's inner channels).</summary>
    public Module InnerNorm { get; }

    /// <summary>The norm after the second conv (its output is added to the residual stream).</summary>
    public Module OutputNorm { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = _block.Forward(x);
        var y = Ops.Add(x, h);
        if (Tape.Current is { IsRecording: false }) h.Dispose();
        return y;
    }
}
