using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Models.Families.Dcgan;

/// <summary>Settings of a <see cref="DcganGenerator"/>.</summary>
/// <param name="Nz">Noise channels in (100).</param>
/// <param name="OutputChannels">Image channels out (3).</param>
/// <param name="Ngf">Filters of the last hidden layer (64); earlier ones double per stage.</param>
/// <param name="ImageSize">Output height and width: a power of two of at least 8 (64 in the paper, 32 uses one stage fewer).</param>
/// <param name="Widths">Per-layer widths for a pruned generator, in the order of <see cref="DcganGenerator.WidthLayout"/>; null for full width.</param>
public sealed record DcganGeneratorConfig(int Nz = 100, int OutputChannels = 3, int Ngf = 64, int ImageSize = 64, IReadOnlyList<int>? Widths = null);

/// <summary>
/// The DCGAN generator (Radford et al. 2015, as in PyTorch's examples/dcgan): noise [N, nz, 1, 1] through a 4x4
/// transposed conv to 4x4 pixels, then stride-2 4x4 transposed convs that double the size, each hidden one followed by
/// BatchNorm and ReLU, and tanh. Convs have no bias (BatchNorm follows). Keys are the example's (<c>main.0.weight</c>,
/// <c>main.1.running_mean</c>, ...). A pruned generator is the same class with other widths.
/// </summary>
/// <remarks>
/// Built with <see cref="HyperOptions"/>, every conv is a <see cref="HyperConv"/> whose weight a hypernetwork
/// generates from latents: z_in (noise, fixed), g1..gD (the hidden layers, prunable), z_out (image, fixed).
/// </remarks>
public sealed class DcganGenerator : Module, IPrunableGenerator, IGeneratorModel<DcganGeneratorConfig>
{
    /// <summary>Stages (hidden layers) for an image size: log2(size) - 2 (4 for 64 pixels, 3 for 32).</summary>
    public static int Stages(int imageSize) => (int)Math.Log2(imageSize) - 2;

    /// <summary>Names of the width entries, in order (g1..gD).</summary>
    public static string WidthLayout(int stages) => string.Join(", ", Enumerable.Range(1, stages).Select(i => $"g{i}"));

    /// <summary>Full widths: ngf * 2^(D-1), ..., 2ngf, ngf.</summary>
    public static int[] FullWidths(int ngf, int stages) => Enumerable.Range(0, stages).Select(i => ngf << (stages - 1 - i)).ToArray();

    readonly Sequential _main;

    /// <summary>
    /// Builds the generator on <paramref name="device"/> with N(0, 0.02) conv weights and N(1, 0.02) BatchNorm scales
    /// from <paramref name="seed"/>, or, with <paramref name="hyper"/>, the generator whose weights a hypernetwork generates
    /// (at the widths of <paramref name="config"/>: full for the search, compact for a fine-tune in the hypernetwork's form).
    /// </summary>
    public DcganGenerator(DcganGeneratorConfig config, Device device, int seed = 0, HyperOptions? hyper = null)
    {
        const string name = "DCGAN generator";
        Validate.Positive(name, "nz", config.Nz);
        Validate.Positive(name, "output channels", config.OutputChannels);
        Validate.Positive(name, "ngf", config.Ngf);
        if (config.ImageSize < 8 || (config.ImageSize & (config.ImageSize - 1)) != 0 || config.ImageSize > 1024)
            throw new ArgumentException($"{name}: the image size must be a power of two in [8, 1024] (32 or 64 in the reference), got {config.ImageSize}.");
        Config = config;
        int stages = Stages(config.ImageSize);
        Widths = Validate.Widths(name, config.Widths, FullWidths(config.Ngf, stages), WidthLayout(stages));
        var init = new Init(device, seed);

        Latent[]? z = null;
        if (hyper != null)
        {
            var set = AddChild("latents", new LatentSet());
            Hyper = new HyperNetwork(set);
            var zin = set.Add(init, "in", config.Nz, isFixed: true);
            var prunable = WidthLayout(stages).Split(", ").Select((n, i) => set.Add(init, n, Widths[i])).ToArray();
            var zout = set.Add(init, "out", config.OutputChannels, isFixed: true);
            z = [zin, .. prunable, zout];
        }
        // z indices: 0 noise, 1..D the hidden layers, D+1 the image.
        Module Conv(int cin, int cout, int stride, int pad, int zi) =>
            z == null
                ? new Layers.ConvTranspose2d(init, cin, cout, 4, stride, pad, 0, bias: false)
                : new HyperConv(init, new LatentRef(z[zi]), new LatentRef(z[zi + 1]), 4, stride, pad, 0, transposed: true, bias: false, hyper!.Embedding);
        Module Site(Module m, int zi)
        {
            if (z != null) Hyper!.AddSite(m, new LatentRef(z[zi]));
            return m;
        }

        var layers = new List<Module>();
        int cinNext = config.Nz;
        for (int i = 0; i < stages; i++)
        {
            layers.AddRange([Conv(cinNext, Widths[i], i == 0 ? 1 : 2, i == 0 ? 0 : 1, i), Site(new BatchNorm2d(init, Widths[i]), i + 1), new ReLU()]);
            cinNext = Widths[i];
        }
        layers.AddRange([Conv(cinNext, config.OutputChannels, 2, 1, stages), new Tanh()]);
        _main = AddChild("main", new Sequential(layers));
    }

    /// <inheritdoc />
    public HyperNetwork? Hyper { get; }

    /// <inheritdoc />
    public Module BuildPlain(IReadOnlyList<int> widths, Device device) => new DcganGenerator(Config with { Widths = widths.ToArray() }, device);

    /// <inheritdoc />
    /// <remarks>The input is noise, whatever the image size: [1, nz, 1, 1].</remarks>
    public int[] InputShape(int size) => [1, Config.Nz, 1, 1];

    /// <summary>The configuration it was built from.</summary>
    public DcganGeneratorConfig Config { get; }

    /// <summary>The per-layer widths in use (full or pruned).</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != Config.Nz || x.Dim(2) != 1 || x.Dim(3) != 1)
            throw new ArgumentException($"DCGAN generator: expects noise [N,{Config.Nz},1,1], got {Tensor.Format(x.Dims)}.");
        return _main.Forward(x);
    }
}
