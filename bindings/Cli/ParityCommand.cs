using System.CommandLine;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan parity</c>: one golden case (case.json, weights and io safetensors) against the engine.</summary>
internal static class ParityCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--case") { Description = "The case folder: case.json, weights.safetensors, io.safetensors.", Required = true };
        var device = new Option<string>("--device") { Description = "Device to run on (cpu, ilgpu-cpu, cuda, opencl, ...).", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("parity", "Run a golden case: forward, L1 loss and backward, compared with the reference tensors. Exit 0 when all are within tolerance, 1 when not.")
            { dir, device };
        cmd.SetAction(parse =>
        {
            try
            {
                var report = Parity.Run(parse.GetValue(dir)!, parse.GetValue(device)!);
                foreach (var line in report.Lines()) Console.WriteLine(line);
                return report.Passed ? 0 : 1;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}
