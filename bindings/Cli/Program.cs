using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary>The coronetgan command line; every command goes through the public CoroNetGAN API.</summary>
public static class Program
{
    /// <summary>Parses and runs the command; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("coronetgan: train and compress image-to-image GANs (CycleGAN, pix2pix) on CPU, CUDA or OpenCL.");
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(MacsCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ParityCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(TranslateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root.Parse(args).Invoke();
    }
}
