using CoroNetGAN.Engine.Training;

namespace CoroNetGAN;

/// <summary>Where a run stands after a step (raised by <see cref="Trainer.Progress"/>). Immutable.</summary>
/// <param name="Step">Steps done (1-based after the first step).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Phase">"search", "finetune", or "train" (no pruning).</param>
/// <param name="Losses">This step's loss terms by name (pix2pix: G_GAN, G_L1, D_real, D_fake; CycleGAN: D_A, G_A, cycle_A, idt_A, D_B, G_B, cycle_B, idt_B).</param>
/// <param name="MacsRatio">Current MACs / full MACs of the generator(s) (the mean over both directions for CycleGAN).</param>
/// <param name="Widths">Current per-layer widths by generator name (G, or G_A and G_B).</param>
/// <param name="LearningRate">The learning rate this step used.</param>
/// <param name="StepSeconds">Wall time of this step.</param>
/// <param name="Elapsed">Wall time of this process's part of the run.</param>
/// <param name="StepsThisSession">Steps this process has run (with <paramref name="Elapsed"/>, the speed for an ETA).</param>
public sealed record TrainProgress(long Step, int TotalSteps, string Phase, IReadOnlyDictionary<string, float> Losses, double MacsRatio,
    IReadOnlyDictionary<string, int[]> Widths, float LearningRate, double StepSeconds, TimeSpan Elapsed, long StepsThisSession)
{
    /// <summary>Estimated time to the end at this session's average speed; null before the first step.</summary>
    public TimeSpan? Eta => StepsThisSession > 0 ? TimeSpan.FromSeconds(Elapsed.TotalSeconds / StepsThisSession * (TotalSteps - Step)) : null;
}

/// <summary>
/// One training example with the generator's output, for sample grids (raised by <see cref="Trainer.Sample"/>): CHW
/// float arrays in [-1, 1] of 3 x Size x Size. Immutable by convention: handlers must not change the arrays.
/// </summary>
/// <param name="Step">Steps done.</param>
/// <param name="Generator">Which generator made the output (G, G_A or G_B).</param>
/// <param name="Size">Height and width.</param>
/// <param name="Input">The generator's input.</param>
/// <param name="Output">Its output (training mode, as trained on).</param>
/// <param name="Target">The paired target, or for CycleGAN the other domain's image of the batch.</param>
public sealed record TrainSample(long Step, string Generator, int Size, float[] Input, float[] Output, float[] Target);

/// <summary>One step's record in <c>history.json</c> (for the loss and MACs plot).</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Phase">The phase the step ran in.</param>
/// <param name="LearningRate">Its learning rate.</param>
/// <param name="MacsRatio">MACs / full MACs after the step.</param>
/// <param name="Losses">Its loss terms.</param>
public sealed record HistoryEntry(long Step, string Phase, float LearningRate, double MacsRatio, IReadOnlyDictionary<string, float> Losses);
