using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

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
                var layers = ModelLayers.Read(path, parse.GetValue(size));
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        model = path, description = info.Description, widths = info.Widths, size = info.Size,
                        macs = info.Macs, trueMacs = info.TrueMacs, @params = info.Params,
                        layers = layers.Select(l => new
                        {
                            layer = l.Layer, op = l.Op, fullWidth = l.FullWidth, width = l.Width, fullMacs = l.FullMacs, macs = l.Macs,
                            fullParams = l.FullParams, @params = l.Params,
                        }),
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
                PrintLayers(layers, info.Size);
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

    /// <summary>Layer by layer: output channels full -> this model, MACs and parameters (this model's, and its share of the full layer's).</summary>
    static void PrintLayers(IReadOnlyList<LayerWidth> layers, int size)
    {
        var c = CultureInfo.InvariantCulture;
        // Bound to the current Console.Out, as in `macs`, and wide enough that redirected output does not wrap.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected) console.Profile.Width = 160;
        var table = new Table().Border(TableBorder.Simple).Title($"per layer (full width -> this model; MACs at {size}x{size})");
        table.AddColumns("layer", "op", "width", "MACs", "% of full", "params", "% of full");
        foreach (var col in table.Columns.Skip(2)) col.RightAligned();
        static string Share(long part, long whole) => whole == 0 ? "" : ((double)part / whole).ToString("P0", CultureInfo.InvariantCulture);
        foreach (var l in layers)
            table.AddRow(Markup.Escape(l.Layer), l.Op, $"{l.FullWidth.ToString(c)} -> {l.Width.ToString(c)}", l.Macs.ToString("N0", c),
                Share(l.Macs, l.FullMacs), l.Params.ToString("N0", c), Share(l.Params, l.FullParams));
        console.Write(table);
    }
}
