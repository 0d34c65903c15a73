using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Metrics;

/// <summary>
/// Records the cost of every op that runs on this thread while it is active, attributed to the innermost module
/// that is running. Run a model on <see cref="Device.Meta"/> inside one to count its MACs without
/// computing anything (<see cref="MacCounter"/> does this).
/// </summary>
public sealed class OpCounter : IDisposable
{
    [ThreadStatic] static OpCounter? t_current;

    readonly OpCounter? _parent;
    readonly List<string> _path = new();
    readonly List<LayerCost> _layers = new();

    /// <summary>Starts counting on this thread.</summary>
    public OpCounter()
    {
        _parent = t_current;
        t_current = this;
    }

    /// <summary>The recorded op calls, in execution order.</summary>
    public IReadOnlyList<LayerCost> Layers => _layers;

    /// <summary>Total MACs in the torchprofile convention.</summary>
    public long Macs => _layers.Sum(l => l.Macs);

    /// <summary>Total true multiply-adds.</summary>
    public long TrueMacs => _layers.Sum(l => l.TrueMacs);

    /// <summary>Stops counting.</summary>
    public void Dispose()
    {
        if (ReferenceEquals(t_current, this)) t_current = _parent;
    }

    /// <summary>Marks that the ops until the returned scope ends belong to <paramref name="module"/>.</summary>
    internal static Scope Enter(Module module)
    {
        var c = t_current;
        if (c == null) return default;
        c._path.Add(module.Path);
        return new Scope(c);
    }

    /// <summary>Pops the module pushed by <see cref="Enter"/>.</summary>
    internal readonly struct Scope(OpCounter? counter) : IDisposable
    {
        public void Dispose()
        {
            if (counter != null) counter._path.RemoveAt(counter._path.Count - 1);
        }
    }

    string Layer => _path.Count > 0 ? _path[^1] : "";

    internal static void Conv(Tensor x, Tensor weight, Tensor? bias, Tensor y, bool transposed)
    {
        var c = t_current;
        if (c == null) return;
        int k = weight.Dim(2) * weight.Dim(3);
        int cin = x.Dim(1), cout = y.Dim(1);
        long outElems = y.Length, inElems = x.Length;
        long macs = outElems * cin * k;
        long trueMacs = transposed ? inElems * cout * k : macs;
        long parameters = weight.Length + (bias?.Length ?? 0);
        c._layers.Add(new LayerCost(c.Layer, transposed ? "conv_transpose2d" : "conv2d", cin, cout, weight.Dim(2),
            y.Dim(2), y.Dim(3), macs, trueMacs, parameters));
    }

    internal static void Norm(string op, Tensor y, Tensor? gamma, Tensor? beta)
    {
        var c = t_current;
        if (c == null) return;
        bool affine = gamma != null || beta != null;
        c._layers.Add(new LayerCost(c.Layer, op, y.Dim(1), y.Dim(1), 0, y.Dim(2), y.Dim(3), affine ? y.Length : 0, 0,
            (gamma?.Length ?? 0) + (beta?.Length ?? 0)));
    }

    internal static void Elementwise(string op, Tensor y)
    {
        var c = t_current;
        if (c == null) return;
        int ch = y.Rank == 4 ? y.Dim(1) : 0, h = y.Rank == 4 ? y.Dim(2) : 0, w = y.Rank == 4 ? y.Dim(3) : 0;
        c._layers.Add(new LayerCost(c.Layer, op, ch, ch, 0, h, w, y.Length, 0, 0));
    }
}
