using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Training;

/// <summary>Starts a run's generators and discriminators from the model files its options name (--init, --init-d).</summary>
internal static class TrainInit
{
    /// <summary>Loads the init file of generator <paramref name="index"/>, if any, into <paramref name="g"/> (a searching
    /// generator through <see cref="HyperInit"/>, a plain one directly).</summary>
    /// <exception cref="InvalidDataException">The file is unreadable or does not fit the run's generator; the message names
    /// the file, the option and every mismatched key with both shapes.</exception>
    public static void Generator(TrainOptions o, int index, Module g) =>
        Apply(o.InitGenerators, index, "--init", g, (trained, path) =>
        {
            if (g is IPrunableGenerator { Hyper: not null }) HyperInit.FromPlain(g, trained, path);
            else Copy(g, trained, path);
        });

    /// <summary>Loads the init file of discriminator <paramref name="index"/>, if any, into <paramref name="d"/>.</summary>
    public static void Discriminator(TrainOptions o, int index, Module d) =>
        Apply(o.InitDiscriminators, index, "--init-d", d, (trained, path) => Copy(d, trained, path));

    /// <summary>The configuration entries that differ, each with the option that sets it in a run.</summary>
    static string Differences(string fileConfig, string runConfig)
    {
        var file = System.Text.Json.Nodes.JsonNode.Parse(fileConfig)!.AsObject();
        var run = System.Text.Json.Nodes.JsonNode.Parse(runConfig)!.AsObject();
        var options = new Dictionary<string, string>
        {
            ["ngf"] = "--ngf", ["ndf"] = "--ndf", ["blocks"] = "--net-g", ["numDowns"] = "--size", ["norm"] = "--norm",
            ["layers"] = "--n-layers-d", ["inputChannels"] = "--mode", ["useDropout"] = "the --mode's default",
        };
        var diffs = file.Where(p => p.Key != "widths" && run[p.Key]?.ToJsonString() != p.Value?.ToJsonString())
            .Select(p => $"{p.Key} {p.Value?.ToJsonString()} in the file, {run[p.Key]?.ToJsonString()} in this run" +
                (options.TryGetValue(p.Key, out var o) ? $" ({o})" : "")).ToList();
        return diffs.Count == 0 ? "its settings match, but its tensors do not" : string.Join("; ", diffs);
    }

    static void Copy(Module target, Module trained, string path) =>
        StateDict.Load(target, StateDict.Export(trained).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), path);

    static void Apply(IReadOnlyList<string>? files, int index, string option, Module target, Action<Module, string> load)
    {
        if (files == null || index >= files.Count) return;
        string path = files[index];
        Module trained;
        try { trained = ModelFile.Load(path, Device.Cpu); }
        catch (Exception e) when (e is IOException or InvalidDataException or StateDictMismatchException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{option} {path}: {e.Message}", e);
        }
        using (trained)
        {
            if (trained.GetType() != target.GetType())
                throw new InvalidDataException($"{option} {path}: holds a {ModelFile.Describe(trained).Architecture}, but this run's model is a {target.GetType().Name}.");
            try { load(trained, path); }
            catch (StateDictMismatchException e)
            {
                // The settings that differ say what to change; the first few keys show it, the rest would bury it.
                var lines = e.Message.Split('\n');
                string keys = string.Join("\n", lines.Take(8)) + (lines.Length > 8 ? $"\n  ... ({lines.Length - 8} more lines)" : "");
                throw new InvalidDataException($"{option} {path}: the model does not fit this run's {ModelFile.Describe(target).Architecture}: " +
                    $"{Differences(ModelFile.Describe(trained).ConfigJson, ModelFile.Describe(target).ConfigJson)}.\n{keys}", e);
            }
        }
    }
}
