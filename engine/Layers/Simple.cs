using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Layers;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>torch.nn.ReflectionPad2d.</summary>
public sealed class ReflectionPad2d(int pad) : Module
{
    /// <summary>Padding on each side.</summary>
    public int Pad { get; } = pad;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.ReflectionPad2d(x, Pad);
}

/// <summary>torch.nn.ReLU.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Relu(x);
}

/// <summary>torch.nn.LeakyReLU.</summary>
public sealed class LeakyReLU(float slope = 0.2f) : Module
{
    /// <summary>Negative slope.</summary>
    public float Slope { get; } = slope;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.LeakyRelu(x, Slope);
}

/// <summary>torch.nn.Tanh.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Tanh(x);
}

/// <summary>
/// torch.nn.Dropout: active only in training mode. Each call draws a new mask from a counter-based stream
/// (seed, call number), so a run is reproducible and the mask is the same on every device.
/// </summary>
public sealed class Dropout(float p, int seed) : Module
{
    /// <summary>Drop probability.</summary>
    public float P { get; } = p;

    /// <summary>Calls made in training mode so far (the position in the mask stream; saved with checkpoints).</summary>
    public long Calls { get; set; }

    /// <summary>Which of several independent mask streams this copy draws from: 0 (the default, a single process's
    /// masks) or a data-parallel rank, whose shard must not get the same masks as rank 0's.</summary>
    public uint Stream { get; set; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        if (!Training || P == 0f) return x;
        // RandomHash, not HashCode.Combine: the latter is salted per process, which would make runs irreproducible.
        uint s = Kernels.RandomHash.Hash((uint)seed, (uint)Calls++);
        if (Stream != 0) s = Kernels.RandomHash.Hash(s, Stream);
        return Ops.Dropout(x, P, s, training: true);
    }
}

/// <summary>torch.nn.Identity (stands where the reference puts a norm layer for <c>--norm none</c>).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => x;
}

/// <summary>torch.nn.Sequential: children named 0, 1, 2, ... run in order.</summary>
public sealed class Sequential : Module
{
    readonly List<Module> _layers = new();

    /// <summary>Creates the sequence.</summary>
    public Sequential(IEnumerable<Module> layers)
    {
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer under the next index.</summary>
    public T Add<T>(T layer) where T : Module
    {
        AddChild(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return layer;
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        // Without a recording tape nothing needs an intermediate after the next layer has consumed it, so it
        // goes back to the pool at once: inference peaks at two activations, not the whole network's.
        bool free = Tape.Current is { IsRecording: false };
        var input = x;
        foreach (var l in _layers)
        {
            var y = l.Forward(x);
            if (free && !ReferenceEquals(x, input) && !ReferenceEquals(x, y)) x.Dispose();
            x = y;
        }
        return x;
    }
}
