using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN;

/// <summary>
/// A layer or model: named parameters, named buffers (state that is not trained, such as BatchNorm's running
/// statistics) and named children, as in torch.nn.Module. Names compose with dots into the keys of PyTorch's
/// state_dict (<c>model.1.weight</c>), because the reference models are mirrored module by module.
/// </summary>
/// <remarks>Not thread-safe: one forward pass at a time.</remarks>
public abstract class Module : IDisposable
{
    readonly List<(string Name, Module Module)> _children = new();
    readonly List<(string Name, Tensor Tensor)> _parameters = new();
    readonly List<(string Name, Tensor Tensor)> _buffers = new();

    /// <summary>The dotted path of this module inside the model it was added to ("" for the root).</summary>
    public string Path { get; private set; } = "";

    /// <summary>Training mode (batch statistics, dropout) versus evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Adds a child under <paramref name="name"/> and returns it.</summary>
    protected T AddChild<T>(string name, T child) where T : Module
    {
        _children.Add((name, child));
        child.SetPath(Join(Path, name));
        return child;
    }

    /// <summary>Registers a trainable tensor.</summary>
    protected Tensor AddParameter(string name, Tensor tensor)
    {
        Tape.Release(tensor);
        tensor.RequiresGrad = true;
        tensor.Name = Join(Path, name);
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers a state tensor that is saved but not trained.</summary>
    protected Tensor AddBuffer(string name, Tensor tensor)
    {
        Tape.Release(tensor);
        tensor.Name = Join(Path, name);
        _buffers.Add((name, tensor));
        return tensor;
    }

    void SetPath(string path)
    {
        Path = path;
        foreach (var (n, t) in _parameters) t.Name = Join(path, n);
        foreach (var (n, t) in _buffers) t.Name = Join(path, n);
        foreach (var (n, c) in _children) c.SetPath(Join(path, n));
    }

    static string Join(string a, string b) => a.Length == 0 ? b : a + "." + b;

    /// <summary>This module's own parameters (short names), in registration order: PyTorch's state_dict order.</summary>
    internal IReadOnlyList<(string Name, Tensor Tensor)> LocalParameters => _parameters;

    /// <summary>This module's own buffers (short names), in registration order.</summary>
    internal IReadOnlyList<(string Name, Tensor Tensor)> LocalBuffers => _buffers;

    /// <summary>The direct children.</summary>
    public IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <summary>Every parameter of this module and its descendants, with full dotted names, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters() => Walk(m => m._parameters);

    /// <summary>Every buffer of this module and its descendants, with full dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers() => Walk(m => m._buffers);

    IEnumerable<(string, Tensor)> Walk(Func<Module, List<(string Name, Tensor Tensor)>> pick)
    {
        foreach (var (n, t) in pick(this)) yield return (Join(Path, n), t);
        foreach (var (_, c) in _children)
            foreach (var item in c.Walk(pick)) yield return item;
    }

    /// <summary>
    /// The parameters as a <see cref="ParameterSet"/> (for an optimizer), keyed by their dotted names. The set does not
    /// own them: disposing it leaves the module intact.
    /// </summary>
    public ParameterSet Parameters()
    {
        var set = new ParameterSet(ownsTensors: false);
        foreach (var (n, t) in NamedParameters()) set.Add(n, t);
        return set;
    }

    /// <summary>Number of trainable values.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Tensor.Length);

    /// <summary>Switches this module and its descendants to training or evaluation mode; returns this.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, c) in _children) c.Train(training);
        return this;
    }

    /// <summary>Evaluation mode (running statistics, no dropout); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Runs the module, attributing the ops it runs to its path when MACs are being counted.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = OpCounter.Enter(this);
        var y = ForwardCore(x);
        return OutputHook == null ? y : OutputHook(y);
    }

    /// <summary>Applied to this module's output (the pruning search masks pruned channels with it).</summary>
    internal Func<Tensor, Tensor>? OutputHook { get; set; }

    /// <summary>This module and every descendant, by full dotted path.</summary>
    public IEnumerable<(string Path, Module Module)> NamedModules()
    {
        yield return (Path, this);
        foreach (var (_, c) in _children)
            foreach (var item in c.NamedModules()) yield return item;
    }

    /// <summary>The computation.</summary>
    protected abstract Tensor ForwardCore(Tensor x);

    /// <summary>Disposes every parameter and buffer.</summary>
    public virtual void Dispose()
    {
        foreach (var (_, t) in _parameters) t.Dispose();
        foreach (var (_, t) in _buffers) t.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
    }
}
