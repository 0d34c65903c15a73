using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary>
/// The coronetgan command line. Every command goes through the public CoroNetGAN API (docs/api.md, held by
/// ApiBoundaryTests); <c>parity</c> and <c>bench</c> use the developer tooling in CoroNetGAN.Tooling.
/// </summary>
public static class Program
{
    /// <summary>Parses and runs the command; returns the process exit code (0 ok, 2 bad input or usage, 130 interrupted, 1 internal error).</summary>
    public static int Main(string[] args)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        bool verbose = args.Contains("--verbose");
        // A parse error is a usage error (exit 2), not the library's default 1, which the convention keeps for crashes.
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {PlainTypes(error.Message)}");
            string command = parse.CommandResult.Command == root ? "" : parse.CommandResult.Command.Name + " ";
            Console.Error.WriteLine($"see 'coronetgan {command}--help' for the options.");
            return CliErrors.BadInput;
        }
        try { return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }); }
        catch (Exception e) { return CliErrors.Report(e, verbose); }
    }

    /// <summary>
    /// A parse error with the .NET type names the parser quotes ("as expected type 'System.Nullable`1[System.Single]'")
    /// said in words ("as a number"), since a user typed a value, not a type.
    /// </summary>
    internal static string PlainTypes(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '(?:System\.Nullable`1\[)?System\.(\w+)\]?'", m => m.Groups[1].Value switch
        {
            "Single" or "Double" or "Decimal" => "as a number",
            "Int16" or "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Byte" => "as a whole number",
            "Boolean" => "as true or false",
            _ => m.Value,
        });

    /// <summary>The command tree: every command and option (tests check that messages only suggest options it has).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("coronetgan: train and compress image-to-image GANs (CycleGAN, pix2pix) on CPU, CUDA or OpenCL.");
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(MacsCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ParityCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(CompressCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(TranslateCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Options.Add(new Option<bool>("--verbose") { Description = "On an internal error, also print the stack trace.", Recursive = true });
        OptionBounds.Apply(root);
        return root;
    }
}
