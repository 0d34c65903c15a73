using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan info</c>: architecture, widths, MACs and parameters of a saved model.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model file (compact.safetensors, or any saved model).", Required = true };
        var size = new Option<int>("--size") { Description = "Input size in pixels to count MACs at.", DefaultValueFactory = _ => 256 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cmd = new Command("info", "Show a saved model's architecture, widths, MACs and parameters.") { model, size, json };
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            try
            {
                var info = ModelInfo.Read(path, parse.GetValue(size));
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        model = path, description = info.Description, widths = info.Widths, size = info.Size,
                        macs = info.Macs, trueMacs = info.TrueMacs, @params = info.Params,
                    }, new JsonSerializerOptions { WriteIndented = true }));
                    return 0;
                }
                var c = CultureInfo.InvariantCulture;
                Console.WriteLine($"model:      {path}");
                Console.WriteLine($"arch:       {info.Description}");
                if (info.Widths != null) Console.WriteLine($"widths:     [{string.Join(", ", info.Widths)}]");
                Console.WriteLine($"MACs:       {info.Macs.ToString("N0", c)} ({info.Macs / 1e9:F3} G at {info.Size}x{info.Size}, torchprofile convention)");
                Console.WriteLine($"true MACs:  {info.TrueMacs.ToString("N0", c)}");
                Console.WriteLine($"parameters: {info.Params.ToString("N0", c)}");
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
}
