using CoroNetGAN.Engine.Layers;

namespace CoroNetGAN.Cli;

/// <summary>Option values shared by several commands.</summary>
internal static class CliParsing
{
    public static NormKind Norm(string text) => text.Trim().ToLowerInvariant() switch
    {
        "instance" => NormKind.Instance,
        "batch" => NormKind.Batch,
        "none" => NormKind.None,
        _ => throw new ArgumentException($"--norm must be instance, batch or none, got '{text}'."),
    };
}
