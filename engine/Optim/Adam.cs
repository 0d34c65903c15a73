using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Optim;

/// <summary>
/// Adam with torch.optim.Adam's semantics (amsgrad off; weight decay as L2 added to the gradient). The GAN
/// recipes use lr 2e-4, beta1 0.5, beta2 0.999. The update runs as one kernel per parameter on its device.
/// </summary>
public sealed class Adam : IDisposable
{
    readonly ParameterSet _parameters;
    readonly Dictionary<Tensor, (Tensor M, Tensor V)> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the optimizer over <paramref name="parameters"/>; moment buffers are created on first use.</summary>
    public Adam(ParameterSet parameters, float lr = 2e-4f, float beta1 = 0.5f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
    {
        if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0))
            throw new ArgumentException($"Adam: invalid settings lr={lr}, beta1={beta1}, beta2={beta2}, eps={eps}.");
        _parameters = parameters;
        LearningRate = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
    }

    /// <summary>The learning rate of the next step (schedulers set it).</summary>
    public float LearningRate { get; set; }
    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }
    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }
    /// <summary>Denominator epsilon.</summary>
    public float Eps { get; }
    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; }
    /// <summary>Steps taken so far (bias corrections use it).</summary>
    public int StepCount { get; private set; }

    /// <summary>The first and second moments of <paramref name="parameter"/>, if it has been stepped.</summary>
    public (Tensor M, Tensor V)? StateOf(Tensor parameter) => _state.TryGetValue(parameter, out var s) ? s : null;

    /// <summary>Updates every parameter that has a gradient; parameters without one are left alone, as in PyTorch.</summary>
    public void Step()
    {
        StepCount++;
        Tensor.BumpWriteVersion();
        foreach (var (_, p) in _parameters.Items)
        {
            if (p.Grad == null) continue;
            if (!_state.TryGetValue(p, out var s))
            {
                s = (Tensor.Zeros(p.Device, p.Dims), Tensor.Zeros(p.Device, p.Dims));
                Tape.Release(s.M); Tape.Release(s.V);
                _state[p] = s;
            }
            p.Device.Backend.AdamStep(p.Storage, p.Grad.Storage, s.M.Storage, s.V.Storage, p.Length,
                LearningRate, Beta1, Beta2, Eps, WeightDecay, StepCount);
        }
    }

    /// <summary>The moments of every stepped parameter, by the parameter's name in the set (checkpoints save them).</summary>
    internal IEnumerable<(string Name, Tensor M, Tensor V)> NamedState()
    {
        foreach (var (name, p) in _parameters.Items)
            if (_state.TryGetValue(p, out var s)) yield return (name, s.M, s.V);
    }

    /// <summary>
    /// Puts back the state a checkpoint saved: the step count and the moments of the named parameters (those absent
    /// had never been stepped). Existing moments are replaced.
    /// </summary>
    internal void Restore(int stepCount, IReadOnlyDictionary<string, (float[] M, float[] V)> moments)
    {
        Dispose();
        var byName = _parameters.Items.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (name, (m, v)) in moments)
        {
            if (!byName.TryGetValue(name, out var p)) throw new InvalidDataException($"Adam state names '{name}', which is not one of the optimizer's parameters.");
            if (m.Length != p.Length || v.Length != p.Length)
                throw new InvalidDataException($"Adam state of '{name}' has {m.Length}/{v.Length} values, the parameter {p.Length}.");
            var mt = Tensor.FromArray(p.Device, m, p.Dims);
            var vt = Tensor.FromArray(p.Device, v, p.Dims);
            Tape.Release(mt); Tape.Release(vt);
            _state[p] = (mt, vt);
        }
        StepCount = stepCount;
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad() => _parameters.ZeroGrad();

    /// <summary>Frees the moment buffers.</summary>
    public void Dispose()
    {
        foreach (var (m, v) in _state.Values) { m.Dispose(); v.Dispose(); }
        _state.Clear();
    }
}
