using System.CommandLine;
using CoroNetGAN.Engine.Training;


namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan train</c>: one run of the CoroNetGAN schedule (search, extract, fine-tune) on a folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var mode = new Option<string>("--mode") { Description = "pix2pix (aligned train/ and test/ with A|B side by side) or cyclegan (trainA/ trainB/ testA/ testB/).", Required = true };
        var data = new Option<string>("--data") { Description = "The dataset folder.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (checkpoints, compact.safetensors, report.json, samples).", Required = true };
        var size = new Option<int>("--size") { Description = "Training image size in pixels.", DefaultValueFactory = _ => 256 };
        var ngf = new Option<int>("--ngf") { Description = "Generator width (filters of the first layer).", DefaultValueFactory = _ => 64 };
        var ndf = new Option<int>("--ndf") { Description = "Discriminator width.", DefaultValueFactory = _ => 64 };
        var netG = new Option<string?>("--net-g") { Description = "Generator: unet (pix2pix default), resnet9 (cyclegan default), resnet6." };
        var steps = new Option<int>("--steps") { Description = "Total training steps (search + fine-tune).", Required = true };
        var ratio = new Option<double?>("--target-ratio") { Description = "Target MACs as a fraction of the full generator's (e.g. 0.05)." };
        var gmacs = new Option<double?>("--target-gmacs") { Description = "Target MACs in GMACs at 256x256 (e.g. 2.6)." };
        var share = new Option<double>("--search-share") { Description = "Share of the steps the search may take before the target is forced.", DefaultValueFactory = _ => 0.5 };
        var lambda = new Option<float>("--lambda") { Description = "Initial sparsity pressure (adapted to meet the target within the search share).", DefaultValueFactory = _ => 0.1f };
        var noPrune = new Option<bool>("--no-prune") { Description = "Train a plain generator (no search) for comparison." };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu (see `coronetgan devices`).", DefaultValueFactory = _ => "auto" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint (options given again must match the run's; --steps and the intervals may change)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Delete the run already in --out (checkpoints, model, report, samples) and start again." };
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Skip unreadable images with a warning instead of stopping." };
        var seed = new Option<int>("--seed") { Description = "Random seed of the run.", DefaultValueFactory = _ => 0 };
        var ckpt = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (0: at phase ends and at the end).", DefaultValueFactory = _ => 500 };
        var loadSize = new Option<int?>("--load-size") { Description = "Resize to this before the random crop to --size (default: size x 286/256, as pix2pix)." };
        var sample = new Option<int>("--sample-every") { Description = "Steps between sample grids (0: none).", DefaultValueFactory = _ => 500 };
        var cmd = new Command("train", "Train and compress a generator: hypernetwork search to the MAC target, extraction, fine-tuning.")
            { mode, data, outDir, size, ngf, ndf, netG, steps, ratio, gmacs, share, lambda, noPrune, device, resume, overwrite, skipBad, seed, ckpt, sample, loadSize };
        cmd.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(ratio) != null && parse.GetValue(gmacs) != null)
                    throw new ArgumentException($"give one target, --target-ratio {parse.GetValue(ratio)} or --target-gmacs {parse.GetValue(gmacs)}, not both.");
                var options = new TrainOptions(
                    ParseMode(parse.GetValue(mode)!), parse.GetValue(size), parse.GetValue(steps), parse.GetValue(outDir)!,
                    Ngf: parse.GetValue(ngf), Ndf: parse.GetValue(ndf), NetG: ParseNetG(parse.GetValue(netG)), Seed: parse.GetValue(seed),
                    NoPrune: parse.GetValue(noPrune), CheckpointEvery: parse.GetValue(ckpt), SampleEvery: parse.GetValue(sample),
                    Prune: new PruneOptions(TargetRatio: parse.GetValue(gmacs) == null ? parse.GetValue(ratio) ?? 0.5 : null,
                        TargetGMacs: parse.GetValue(gmacs), Lambda: parse.GetValue(lambda), SearchShare: parse.GetValue(share)));
                if (parse.GetValue(resume) && parse.GetValue(overwrite))
                    throw new ArgumentException("--resume continues the run in --out and --overwrite deletes it: give one.");
                RunFolder.RequireFolder(options.OutputDirectory);
                Action<string> log = line => Console.WriteLine($"  {line}");
                if (parse.GetValue(resume))
                {
                    // Only the options given on this command line are compared with the run's: the others keep its values.
                    bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
                    var saved = TrainingRuns.SavedOptions(options.OutputDirectory);
                    var savedPrune = saved.EffectivePrune;
                    options = saved with
                    {
                        OutputDirectory = options.OutputDirectory,
                        Mode = options.Mode,
                        TotalSteps = options.TotalSteps,
                        Size = Given(size) ? options.Size : saved.Size,
                        Ngf = Given(ngf) ? options.Ngf : saved.Ngf,
                        Ndf = Given(ndf) ? options.Ndf : saved.Ndf,
                        NetG = Given(netG) ? options.NetG : saved.NetG,
                        Seed = Given(seed) ? options.Seed : saved.Seed,
                        NoPrune = Given(noPrune) ? options.NoPrune : saved.NoPrune,
                        CheckpointEvery = Given(ckpt) ? options.CheckpointEvery : saved.CheckpointEvery,
                        SampleEvery = Given(sample) ? options.SampleEvery : saved.SampleEvery,
                        Prune = savedPrune with
                        {
                            TargetRatio = Given(ratio) ? parse.GetValue(ratio) : Given(gmacs) ? null : savedPrune.TargetRatio,
                            TargetGMacs = Given(gmacs) ? parse.GetValue(gmacs) : Given(ratio) ? null : savedPrune.TargetGMacs,
                            Lambda = Given(lambda) ? parse.GetValue(lambda) : savedPrune.Lambda,
                            SearchShare = Given(share) ? parse.GetValue(share) : savedPrune.SearchShare,
                        },
                    };
                }
                using var dev = Devices.Open(parse.GetValue(device)!);
                Console.WriteLine($"device: {dev.Name} ({dev.Info.Description})");
                using var trainer = parse.GetValue(resume)
                    ? TrainingRuns.Resume(options.OutputDirectory, parse.GetValue(data)!, options, dev, parse.GetValue(skipBad), parse.GetValue(loadSize), log)
                    : TrainingRuns.Start(options, parse.GetValue(data)!, dev, parse.GetValue(skipBad), parse.GetValue(loadSize), parse.GetValue(overwrite), log);
                var report = TrainingConsole.Run(trainer, options.OutputDirectory);
                if (report == null) return 130;
                TrainingConsole.Summarize(report, options.OutputDirectory);
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    public static TrainMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pix2pix" => TrainMode.Pix2Pix,
        "cyclegan" => TrainMode.CycleGan,
        _ => throw new ArgumentException($"--mode must be pix2pix or cyclegan, got '{text}'."),
    };

    static GeneratorArch? ParseNetG(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "unet" or "unet256" or "unet128" or "unet64" => GeneratorArch.Unet,
        "resnet9" => GeneratorArch.Resnet9,
        "resnet6" => GeneratorArch.Resnet6,
        _ => throw new ArgumentException($"--net-g must be unet, resnet9 or resnet6, got '{text}'."),
    };
}
