using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan compress</c>: the short form of <c>train --init</c> with pruning: search a trained generator
/// down to a MAC target, starting from its weights, then fine-tune the compact one.</summary>
internal static class CompressCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The trained generator (our model file) to compress.", Required = true };
        var data = new Option<string>("--data") { Description = "The dataset folder it was trained on.", Required = true };
        var ratio = new Option<double?>("--target-ratio") { Description = "Target MACs as a fraction of the model's (e.g. 0.25)." };
        var gmacs = new Option<double?>("--target-gmacs") { Description = "Target MACs in GMACs at 256x256 (instead of --target-ratio)." };
        var steps = new Option<int>("--steps") { Description = "Steps of search and fine-tuning.", Required = true };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: the model's name + '-compressed', beside it)." };
        var mode = new Option<string?>("--mode") { Description = "pix2pix or cyclegan (default: from the data layout: trainA/ and trainB/ mean cyclegan, train/ pix2pix)." };
        var size = new Option<int?>("--size") { Description = "Training image size (default: the size stored in the model file, else 256 or the U-Net's own)." };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu (see `coronetgan devices`).", DefaultValueFactory = _ => "auto" };
        var seed = new Option<int>("--seed") { Description = "Random seed of the run.", DefaultValueFactory = _ => 0 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Delete a run already in --out and start again." };
        var cmd = new Command("compress", "Compress a trained generator: a pruning search that starts from its weights, to the MAC target, then fine-tuning (train --init with pruning and train's recipe defaults for the mode).");
        foreach (var o in new Option[] { model, data, ratio, gmacs, steps, outDir, mode, size, device, seed, overwrite }) cmd.Add(o);
        cmd.SetAction(parse =>
        {
            try
            {
                if ((parse.GetValue(ratio) == null) == (parse.GetValue(gmacs) == null))
                    throw new ArgumentException("give one target: --target-ratio R or --target-gmacs G.");
                string m = parse.GetValue(model)!;
                if (!File.Exists(m)) throw new FileNotFoundException($"--model {m} does not exist.", m);
                string dir = parse.GetValue(outDir) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(m))!, Path.GetFileNameWithoutExtension(m) + "-compressed");
                var options = InitModels.ForCompress(m, parse.GetValue(data)!, dir, parse.GetValue(ratio), parse.GetValue(steps),
                    parse.GetValue(mode) is { } text ? RecipeOptions.ParseMode(text) : null, parse.GetValue(size), parse.GetValue(seed), parse.GetValue(gmacs));
                options = options with { Prune = RecipeOptions.WithModeDefaults(options.EffectivePrune, options.Mode) };
                TrainingRuns.RequireFolder(options.OutputDirectory);
                Action<string> log = line => Console.WriteLine($"  {OptionFlags.Rewrite(line)}");
                using var dev = Devices.Open(parse.GetValue(device)!);
                Console.WriteLine($"device: {dev.Name} ({dev.Info.Description})");
                Console.WriteLine($"compressing {m} ({TrainingRuns.ModeName(options.Mode)}, {options.EffectiveNetG}, ngf {options.Ngf}, {options.Size} px) to {(options.EffectivePrune.TargetRatio is { } r ? $"{r:P1} of its MACs" : $"{options.EffectivePrune.TargetGMacs} GMACs")} in {options.TotalSteps} steps -> {options.OutputDirectory}");
                using var trainer = TrainingRuns.Start(options, parse.GetValue(data)!, dev, overwrite: parse.GetValue(overwrite), log: log);
                var report = TrainingConsole.Run(trainer, options.OutputDirectory);
                if (report == null) return 130;
                TrainingConsole.Summarize(report, options.OutputDirectory);
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                Console.Error.WriteLine($"error: {CliErrors.Message(e)}");
                return 2;
            }
        });
        return cmd;
    }
}
