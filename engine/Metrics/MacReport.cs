namespace CoroNetGAN;

/// <summary>MACs and parameters of a model, with the per-layer table.</summary>
/// <param name="Layers">Every counted op call in execution order.</param>
/// <param name="Params">Trainable parameters of the whole model.</param>
public sealed record MacReport(IReadOnlyList<LayerCost> Layers, long Params)
{
    /// <summary>Total MACs in the torchprofile convention (convolutions, affine norms, LeakyReLU).</summary>
    public long Macs => Layers.Sum(l => l.Macs);

    /// <summary>MACs of the convolutions alone (torchprofile convention).</summary>
    public long ConvMacs => Layers.Where(l => l.Op is "conv2d" or "conv_transpose2d").Sum(l => l.Macs);

    /// <summary>Multiply-adds the convolutions really need (transposed convs counted from their input).</summary>
    public long TrueMacs => Layers.Sum(l => l.TrueMacs);
}
