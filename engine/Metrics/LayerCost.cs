namespace CoroNetGAN;

/// <summary>The cost of one op call inside a model, as the MAC counter records it.</summary>
/// <param name="Layer">Dotted path of the module that ran the op (PyTorch's state_dict prefix, e.g. <c>model.1</c>).</param>
/// <param name="Op">The op: conv2d, conv_transpose2d, batch_norm, instance_norm, leaky_relu, channel_mask.</param>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">Kernel size (0 for ops without one).</param>
/// <param name="OutHeight">Output height.</param>
/// <param name="OutWidth">Output width.</param>
/// <param name="Macs">MACs in the torchprofile convention: a conv's output elements x input channels x k^2 (a
/// transposed conv is counted from its output, so 4x its real work at stride 2); bias not counted; a norm counts
/// its output elements only when affine; LeakyReLU and elementwise multiply count their output elements.</param>
/// <param name="TrueMacs">Multiply-adds actually needed: a transposed conv from its input; norms and activations 0.</param>
/// <param name="Params">Parameters the op used (weight, bias, affine norm parameters).</param>
public sealed record LayerCost(string Layer, string Op, int InChannels, int OutChannels, int Kernel, int OutHeight, int OutWidth,
    long Macs, long TrueMacs, long Params);
