using System.Diagnostics;

namespace CoroNetGAN.Tooling;

/// <summary>
/// Warm-up to the JIT's steady state before a timed loop. .NET first compiles a method without optimisation (tier 0)
/// and recompiles it optimised only after 30 calls (the tiered JIT's call-count threshold), on a background thread;
/// a method called once per forward pass (the final tanh, a library routine such as TensorPrimitives') stays at
/// tier 0 for the first 30 passes. Two or three warm-up calls left such code unoptimised through most of a short
/// timed loop and charged it to the model (bench/README.md, session 10): a training run or an app translating many
/// images runs the optimised code, so that is what the bench commands and <c>coronetgan bench</c> time.
/// </summary>
public static class SteadyState
{
    /// <summary>Warm-up rounds: above the tiered JIT's call-count threshold of 30.</summary>
    const int Rounds = 32;

    /// <summary>Warm-up stops early after this long: a large model's passes sit in kernels that are optimised from their first call.</summary>
    static readonly TimeSpan Cap = TimeSpan.FromSeconds(20);

    /// <summary>Calls every action <see cref="Rounds"/> times (or until <see cref="Cap"/>), waits for the background JIT, then once more.</summary>
    /// <param name="calls">The calls a timed loop will make, warmed up together (in turn, as the loop alternates them).</param>
    public static void WarmUp(params Action[] calls)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Rounds && sw.Elapsed < Cap; i++)
            foreach (var call in calls) call();
        // The optimised code is compiled on a background thread after a short delay; let it land before timing.
        Thread.Sleep(250);
        foreach (var call in calls) call();
    }
}
