using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan macs</c>: MACs and parameters of an architecture, per layer and in total.</summary>
internal static class MacsCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", Architectures.Names)}.", Required = true };
        var ngf = new Option<int>("--ngf") { Description = "Filters of the first layer (ngf; ndf for patchgan).", DefaultValueFactory = _ => 64 };
        var size = new Option<int?>("--size") { Description = "Input height and width in pixels (default: 256; 128 for unet128, 64 for unet64)." };
        var norm = new Option<string?>("--norm") { Description = "instance, batch or none (default: the reference's for the architecture)." };
        var inputNc = new Option<int?>("--input-nc") { Description = "Input channels (default 3; 6 for a pix2pix discriminator)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var cmd = new Command("macs", "Count MACs (torchprofile convention and true) and parameters of an architecture.")
            { arch, ngf, size, norm, inputNc, json };
        cmd.SetAction(parse =>
        {
            string a = parse.GetValue(arch)!;
            try
            {
                int s = parse.GetValue(size) ?? Architectures.NativeSize(a);
                NormKind? n = parse.GetValue(norm) is { } text ? CliParsing.Norm(text) : null;
                var report = Architectures.CountMacs(a, parse.GetValue(ngf), s, n, parse.GetValue(inputNc));
                if (parse.GetValue(json)) PrintJson(a, parse.GetValue(ngf), s, report);
                else PrintTable(a, parse.GetValue(ngf), s, report);
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    static void PrintTable(string arch, int ngf, int size, MacReport r)
    {
        // A console bound to the current Console.Out (so a host app or test can redirect it); redirected output
        // would otherwise get Spectre's 80-column default, which wraps the number columns.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected) console.Profile.Width = 160;
        var table = new Table().Border(TableBorder.Simple).Title($"{arch}, ngf {ngf}, {size}x{size}");
        table.AddColumns("layer", "op", "in", "out", "k", "output", "MACs", "true MACs", "params");
        foreach (var c in table.Columns.Skip(2)) c.RightAligned();
        int hidden = 0;
        foreach (var l in r.Layers)
        {
            // Non-affine norms cost nothing in either convention; listing them only lengthens the table.
            if (l.Macs == 0 && l.TrueMacs == 0 && l.Params == 0) { hidden++; continue; }
            table.AddRow(Markup.Escape(l.Layer), l.Op, l.InChannels.ToString(CultureInfo.InvariantCulture), l.OutChannels.ToString(CultureInfo.InvariantCulture),
                l.Kernel == 0 ? "" : l.Kernel.ToString(CultureInfo.InvariantCulture), $"{l.OutHeight}x{l.OutWidth}", N(l.Macs), N(l.TrueMacs), N(l.Params));
        }
        console.Write(table);
        if (hidden > 0) Console.WriteLine($"({hidden} ops without MACs or parameters not shown: non-affine norms)");
        Console.WriteLine($"MACs (torchprofile convention): {N(r.Macs)}  ({r.Macs / 1e9:F3} G)");
        if (r.ConvMacs != r.Macs) Console.WriteLine($"  of which convolutions:        {N(r.ConvMacs)}  ({r.ConvMacs / 1e9:F3} G)");
        Console.WriteLine($"true MACs:                      {N(r.TrueMacs)}  ({r.TrueMacs / 1e9:F3} G)");
        Console.WriteLine($"parameters:                     {N(r.Params)}  ({r.Params / 1e6:F3} M)");
    }

    static void PrintJson(string arch, int ngf, int size, MacReport r)
    {
        var doc = new
        {
            arch,
            ngf,
            size,
            convention = "torchprofile",
            macs = r.Macs,
            convMacs = r.ConvMacs,
            trueMacs = r.TrueMacs,
            @params = r.Params,
            layers = r.Layers.Select(l => new
            {
                layer = l.Layer, op = l.Op, inChannels = l.InChannels, outChannels = l.OutChannels, kernel = l.Kernel,
                outHeight = l.OutHeight, outWidth = l.OutWidth, macs = l.Macs, trueMacs = l.TrueMacs, @params = l.Params,
            }),
        };
        Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }
}
