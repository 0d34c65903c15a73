using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan export</c>: a CoroNetGAN model file out as a PyTorch state dict (safetensors).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The CoroNetGAN model file.", Required = true };
        var pytorch = new Option<string>("--pytorch") { Description = "The safetensors file to write, under PyTorch's state_dict keys.", Required = true };
        var cmd = new Command("export", "Export a CoroNetGAN model's weights as a PyTorch state dict in safetensors.") { model, pytorch };
        cmd.SetAction(parse =>
        {
            try
            {
                using var device = Devices.Open("cpu");
                using var m = Interchange.LoadModel(parse.GetValue(model)!, device);
                Interchange.ExportPyTorch(m, parse.GetValue(pytorch)!);
                Console.WriteLine($"exported {Interchange.Describe(m)} to {parse.GetValue(pytorch)}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}
