using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Bench;

/// <summary>
/// Named A/B switches for <c>train-steps ... ab NAME</c> and <c>forward-ab CASE NAME</c>: calls alternate between
/// the default paths (A, false) and the alternative the name says (B, true), so both halves see the same load, data
/// and weights, and their medians compare.
/// </summary>
public static class AbSwitches
{
    static readonly Dictionary<string, Action<bool>> Switches = new()
    {
        ["tpw"] = b => Gemm.TasksPerWorker = b ? 4 : 2,
        ["gemm-narrow"] = b => WinogradConv.NarrowRows = !b,
        ["col2im"] = b => Conv2d.AdjointAsForward = !b,
        ["parallel-for"] = b => Par.UsePool = !b,
        ["one-row-groups"] = b => WinogradConv.PairRows = !b,
        ["wino-chunk-128k"] = b => WinogradConv.ChunkBudget = b ? 1L << 17 : 1L << 22,
    };

    /// <summary>The switch called <paramref name="name"/>; an error that lists the known ones otherwise.</summary>
    public static Action<bool> Get(string name) => Switches.TryGetValue(name, out var f) ? f
        : throw new ArgumentException($"unknown A/B switch '{name}' (known: {string.Join(", ", Switches.Keys)})");
}
