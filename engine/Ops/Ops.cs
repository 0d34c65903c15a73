namespace CoroNetGAN.Engine.Ops;

/// <summary>
/// The differentiable ops, as in torch.nn.functional. Each checks its arguments (shapes, devices, disposed
/// tensors) and names the op in any error, runs its forward kernel on the tensors' device, and, when a recording
/// <see cref="Tensors.Tape"/> is open and an input requires a gradient, records its gradient rule beside it.
/// </summary>
public static partial class Ops { }
