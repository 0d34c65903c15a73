using System.CommandLine;
using CoroNetGAN.Tooling;

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
        var widths = new Option<string?>("--widths") { Description = "With --no-prune: the generator's per-layer widths, in the layout `coronetgan info` prints (a JSON list such as [12,11,28,49,57,46,47,46,22,15,12], a file holding one, or a model file whose widths are taken), e.g. to train the architecture a search found from scratch. Default: full width from --ngf." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its newest checkpoint (options given again must match the run's; --steps and the intervals may change)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Delete the run already in --out (checkpoints, model, report, samples) and start again." };
        var init = new Option<string[]>("--init") { Description = "Start the generator from this trained model instead of random weights: our model file, or a pytorch-CycleGAN safetensors state dict of --net-g. With pruning the search starts from it (its weights are reproduced exactly at step 0). Give it twice for cyclegan's B -> A generator." };
        var initD = new Option<string[]>("--init-d") { Description = "Start the discriminator from this trained model (ours or a pytorch-CycleGAN PatchGAN state dict); twice for cyclegan's D_B." };
        var cmd = new Command("train", "Train and compress a generator: hypernetwork search to the MAC target, extraction, fine-tuning.");
        recipe.AddTo(cmd);
        foreach (var o in new Option[] { outDir, ratio, gmacs, noPrune, widths, init, initD, resume, overwrite, DistributedCli.Distributed, DistributedCli.WatchdogSeconds }) cmd.Add(o);
        cmd.SetAction(parse =>
        {
            MpiCommunicator? mpi = null;
            try
            {
                if (parse.GetValue(ratio) != null && parse.GetValue(gmacs) != null)
                    throw new ArgumentException($"give one target, --target-ratio {parse.GetValue(ratio)} or --target-gmacs {parse.GetValue(gmacs)}, not both.");
                if (parse.GetValue(resume) && parse.GetValue(overwrite))
                    throw new ArgumentException("--resume continues the run in --out and --overwrite deletes it: give one.");
                mpi = DistributedCli.Join(parse);
                var options = recipe.Build(parse, parse.GetValue(outDir)!, parse.GetValue(noPrune), parse.GetValue(ratio), parse.GetValue(gmacs), mpi?.Size ?? 1)
                    with { Ranks = mpi?.Size ?? 1, InitGenerators = Files(parse.GetValue(init)), InitDiscriminators = Files(parse.GetValue(initD)) };
                if (parse.GetValue(widths) is { } widthsArg)
                {
                    if (parse.GetValue(resume)) throw new ArgumentException("--resume keeps the run's own widths: drop --widths.");
                    if (!options.NoPrune) throw new ArgumentException("--widths trains a plain generator of those widths from scratch: add --no-prune (a search finds its own widths).");
                    options = options with { Widths = WidthsArgument.Widths(widthsArg) };
                }
                if (parse.GetValue(resume) && (options.InitGenerators != null || options.InitDiscriminators != null))
                    throw new ArgumentException("--resume continues from the run's checkpoint, which already holds every weight: drop --init and --init-d.");
                if (!parse.GetValue(resume) && !recipe.LengthGiven(parse))
                    throw new ArgumentException("give the run's length: --steps N, or --epochs N (with --epochs-decay M).");
                TrainingRuns.RequireFolder(options.OutputDirectory);
                bool quiet = mpi is { Rank: > 0 };
                Action<string> log = line => { if (!quiet) Console.WriteLine($"  {OptionFlags.Rewrite(line)}"); };
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
                        TotalSteps = recipe.LengthGiven(parse) ? options.TotalSteps : saved.TotalSteps,
                        DecayStart = recipe.LengthGiven(parse) ? options.DecayStart : saved.DecayStart,
                        Size = Given(recipe.Size) ? options.Size : saved.Size,
                        Ngf = Given(recipe.Ngf) ? options.Ngf : saved.Ngf,
                        Ndf = Given(recipe.Ndf) ? options.Ndf : saved.Ndf,
                        NetG = Given(recipe.NetG) ? options.NetG : saved.NetG,
                        Seed = Given(recipe.Seed) ? options.Seed : saved.Seed,
                        NoPrune = Given(noPrune) ? options.NoPrune : saved.NoPrune,
                        CheckpointEvery = Given(recipe.CheckpointEvery) ? options.CheckpointEvery : saved.CheckpointEvery,
                        SampleEvery = Given(recipe.SampleEvery) ? options.SampleEvery : saved.SampleEvery,
                        BatchSize = Given(recipe.BatchSize) ? options.BatchSize : saved.BatchSize,
                        Norm = Given(recipe.Norm) ? options.Norm : saved.Norm,
                        LearningRate = Given(recipe.Lr) ? options.LearningRate : saved.LearningRate,
                        Beta1 = Given(recipe.Beta1) ? options.Beta1 : saved.Beta1,
                        Gan = Given(recipe.GanMode) ? options.Gan : saved.Gan,
                        LambdaL1 = Given(recipe.LambdaL1) ? options.LambdaL1 : saved.LambdaL1,
                        LambdaA = Given(recipe.LambdaA) ? options.LambdaA : saved.LambdaA,
                        LambdaB = Given(recipe.LambdaB) ? options.LambdaB : saved.LambdaB,
                        LambdaIdentity = Given(recipe.LambdaIdentity) ? options.LambdaIdentity : saved.LambdaIdentity,
                        PoolSize = Given(recipe.PoolSize) ? options.PoolSize : saved.PoolSize,
                        LayersD = Given(recipe.LayersD) ? options.LayersD : saved.LayersD,
                        BtoA = Given(recipe.Direction) ? options.BtoA : saved.BtoA,
                        NoFlip = Given(recipe.NoFlip) ? options.NoFlip : saved.NoFlip,
                        Ranks = options.Ranks,
                        Prune = savedPrune with
                        {
                            TargetRatio = Given(ratio) ? parse.GetValue(ratio) : Given(gmacs) ? null : savedPrune.TargetRatio,
                            TargetGMacs = Given(gmacs) ? parse.GetValue(gmacs) : Given(ratio) ? null : savedPrune.TargetGMacs,
                            Lambda = Given(recipe.Lambda) ? parse.GetValue(recipe.Lambda) : savedPrune.Lambda,
                            SearchShare = Given(recipe.Share) ? parse.GetValue(recipe.Share)!.Value : savedPrune.SearchShare,
                            Pressure = Given(recipe.Pressure) ? RecipeOptions.ParsePressure(parse.GetValue(recipe.Pressure)!) : savedPrune.Pressure,
                            EndFloor = Given(recipe.EndFloor) ? RecipeOptions.ParseEndFloor(parse.GetValue(recipe.EndFloor)!) : savedPrune.EndFloor,
                            LayerFloor = Given(recipe.LayerFloor) ? parse.GetValue(recipe.LayerFloor) : savedPrune.LayerFloor,
                            SearchUntil = Given(recipe.SearchUntil) ? RecipeOptions.ParseSearchUntil(parse.GetValue(recipe.SearchUntil)!) : savedPrune.SearchUntil,
                            SearchMask = Given(recipe.SearchMask) ? RecipeOptions.ParseSearchMask(parse.GetValue(recipe.SearchMask)!) : savedPrune.SearchMask,
                            FinetuneRate = Given(recipe.FinetuneLr) ? RecipeOptions.ParseFinetuneRate(parse.GetValue(recipe.FinetuneLr)!) : savedPrune.FinetuneRate,
                            FinetuneFrom = Given(recipe.FinetuneFrom) ? RecipeOptions.ParseFinetuneFrom(parse.GetValue(recipe.FinetuneFrom)!) : savedPrune.FinetuneFrom,
                            FinetuneD = Given(recipe.FinetuneD) ? RecipeOptions.ParseFinetuneD(parse.GetValue(recipe.FinetuneD)!) : savedPrune.FinetuneD,
                            FinetuneDistill = Given(recipe.FinetuneDistill) ? parse.GetValue(recipe.FinetuneDistill)!.Value : savedPrune.FinetuneDistill,
                            DistillSchedule = Given(recipe.DistillSchedule) ? RecipeOptions.ParseDistillSchedule(parse.GetValue(recipe.DistillSchedule)!) : savedPrune.DistillSchedule,
                        },
                    };
                }
                string data = parse.GetValue(recipe.Data)!;
                bool skipBad = parse.GetValue(recipe.SkipBad);
                int? loadSize = parse.GetValue(recipe.LoadSize);
                string device = parse.GetValue(recipe.Device)!;
                using var dev = mpi == null ? Devices.Open(device) : DistributedRuns.OpenDevice(device, mpi);
                if (!quiet) Console.WriteLine($"device: {dev.Name} ({dev.Info.Description})");
                using var trainer = parse.GetValue(resume)
                    ? TrainingRuns.Resume(options.OutputDirectory, data, options, dev, skipBad, loadSize, log, ownsFolder: !quiet)
                    : TrainingRuns.Start(options, data, dev, skipBad, loadSize, parse.GetValue(overwrite), log, ownsFolder: !quiet);
                if (mpi != null) trainer.Distribute(mpi);
                else if (trainer.Options.Ranks != 1)
                    throw new ArgumentException($"the run in {options.OutputDirectory} trains on {trainer.Options.Ranks} ranks; resume it with " +
                        $"mpirun -np {trainer.Options.Ranks} coronetgan train ... --resume --distributed");
                var speed = new DistributedCli.Speed(trainer);
                var report = quiet ? DistributedCli.RunQuiet(trainer) : TrainingConsole.Run(trainer, options.OutputDirectory);
                if (report == null) return 130;
                if (quiet) return 0;
                TrainingConsole.Summarize(report, options.OutputDirectory);
                if (mpi != null) DistributedCli.Summarize(trainer, mpi, speed, dev);
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e) || e is MpiUnavailableException)
            {
                string rank = mpi is { Size: > 1 } ? $"rank {mpi.Rank}: " : "";
                Console.Error.WriteLine($"{rank}error: {CliErrors.Message(e)}");
                DistributedCli.AbortOthers(mpi, "stopping every rank after the error above.", 2);
                return 2;
            }
            finally { mpi?.Dispose(); }
        });
        return cmd;
    }

    static IReadOnlyList<string>? Files(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>--mode's value as a <see cref="TrainMode"/>.</summary>
    public static TrainMode ParseMode(string text) => RecipeOptions.ParseMode(text);
}
