using CoroNetGAN.Engine.Devices;

namespace CoroNetGAN.Engine.Tensors;

/// <summary>
/// The trainable tensors of a model, by name, in registration order (the order optimizers and checkpoints use).
/// Parameters are leaves: they require gradients and are never owned by a tape.
/// </summary>
public sealed class ParameterSet : IDisposable
{
    readonly bool _owns;

    /// <summary>
    /// Creates an empty set. When <paramref name="ownsTensors"/> is true (the default) disposing the set disposes its
    /// parameters; a set that only lists a module's parameters (<see cref="Module.Parameters"/>) does not.
    /// </summary>
    public ParameterSet(bool ownsTensors = true) => _owns = ownsTensors;

    readonly List<KeyValuePair<string, Tensor>> _items = new();
    readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);

    /// <summary>Registers a tensor under a unique name and marks it as requiring gradients.</summary>
    public Tensor Add(string name, Tensor tensor)
    {
        if (_byName.ContainsKey(name)) throw new ArgumentException($"ParameterSet: a parameter named '{name}' already exists.");
        Tape.Release(tensor);
        tensor.Name ??= name;
        tensor.RequiresGrad = true;
        _items.Add(new(name, tensor));
        _byName[name] = tensor;
        return tensor;
    }

    /// <summary>Creates and registers a parameter with Normal(0, std) values.</summary>
    public Tensor AddNormal(string name, Device device, int seed, float std, params int[] shape) =>
        Add(name, Tensor.RandomNormal(device, seed, 0f, std, shape));

    /// <summary>Creates and registers a parameter filled with <paramref name="value"/>.</summary>
    public Tensor AddConstant(string name, Device device, float value, params int[] shape) =>
        Add(name, Tensor.Full(device, value, shape));

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    public Tensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"ParameterSet: no parameter named '{name}'.");

    /// <summary>The parameters in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Items => _items;

    /// <summary>Number of parameters (tensors).</summary>
    public int Count => _items.Count;

    /// <summary>Total number of scalar values.</summary>
    public long ElementCount => _items.Sum(p => (long)p.Value.Length);

    /// <summary>Drops every gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _items) p.Value.ZeroGrad();
    }

    /// <summary>Disposes every parameter if the set owns them; otherwise does nothing.</summary>
    public void Dispose()
    {
        if (!_owns) return;
        foreach (var p in _items) p.Value.Dispose();
    }
}
