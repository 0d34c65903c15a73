using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;

namespace CoroNetGAN.Engine.Training;

/// <summary>A run's generator under its name (G, G_A, G_B), with its search during the search phase.</summary>
internal sealed class GeneratorSlot(string name, Module model, PruningSearch? search)
{
    /// <summary>Its name: the prefix of its tensors in checkpoints and of its parameters in the G optimizer.</summary>
    public string Name { get; } = name;
    /// <summary>The hyper generator during the search, the compact (or plain) one after it.</summary>
    public Module Model { get; set; } = model;
    /// <summary>Its search; null without pruning.</summary>
    public PruningSearch? Search { get; set; } = search;
    /// <summary>The generator as it was at the cut, full width and frozen, while the fine-tune distils from it; else null.</summary>
    public Module? Teacher { get; set; }
}
