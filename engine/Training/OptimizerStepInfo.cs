using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// An optimizer step in progress (raised by <see cref="Trainer.OptimizerStepping"/> and <see cref="Trainer.OptimizerStepped"/>).
/// </summary>
/// <param name="Step">Steps done before this one (0 in the first step).</param>
/// <param name="Optimizer">"G" (the generators' Adam) or "D" (the discriminators').</param>
/// <param name="Parameters">The optimizer's parameters by name: the network (G, D, G_A, G_B, D_A, D_B), a dot, then the
/// PyTorch state_dict key.</param>
public sealed record OptimizerStepInfo(long Step, string Optimizer, IReadOnlyList<KeyValuePair<string, Tensor>> Parameters);
