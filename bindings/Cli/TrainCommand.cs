using System.CommandLine;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan train</c>: one run of the CoroNetGAN schedule (search, extract, fine-tune) on a folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var recipe = new RecipeOptions();
        var outDir = new Option<string>("--out") { Description = "Output folder (checkpoints, compact.safetensors, report.json, samples).", Required = true };
        var ratio = new Option<double?>("--target-ratio") { Description = "Target MACs as a fraction of the full generator's (e.g. 0.05). The compact generator ends at most at the target and at least 96% of it, also when the step budget forces the cut." };
        var gmacs = new Option<double?>("--target-gmacs") { Description = "Target MACs in GMACs at 256x256 (e.g. 2.67); the result lands in [0.96 x target, target] GMACs." };
        var noPrune = new Option<bool>("--no-prune") { Description = "Train a plain generator (no search) for comparison." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint." };
        var cmd = new Command("train", "Train and compress a generator: hypernetwork search to the MAC target, extraction, fine-tuning.");
        recipe.AddTo(cmd);
        foreach (var o in new Option[] { outDir, ratio, gmacs, noPrune, resume }) cmd.Add(o);
        cmd.SetAction(parse =>
        {
            try
            {
                var options = recipe.Build(parse, parse.GetValue(outDir)!, parse.GetValue(noPrune), parse.GetValue(ratio), parse.GetValue(gmacs));
                string data = parse.GetValue(recipe.Data)!;
                bool skipBad = parse.GetValue(recipe.SkipBad);
                int? loadSize = parse.GetValue(recipe.LoadSize);
                using var dev = Devices.Open(parse.GetValue(recipe.Device)!);
                Console.WriteLine($"device: {dev.Name} ({dev.Info.Description})");
                using var trainer = parse.GetValue(resume)
                    ? TrainingRuns.Resume(options.OutputDirectory, data, options, dev, skipBad, loadSize)
                    : TrainingRuns.Start(options, data, dev, skipBad, loadSize);
                var report = TrainingConsole.Run(trainer, options.OutputDirectory);
                if (report == null) return 130;
                TrainingConsole.Summarize(report, options.OutputDirectory);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>--mode's value as a <see cref="TrainMode"/>.</summary>
    public static TrainMode ParseMode(string text) => RecipeOptions.ParseMode(text);
}
