using System.CommandLine;
using System.Text.Json;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan bench</c>: a quick whole-model timing (median after warm-up).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", Architectures.Names)}.", DefaultValueFactory = _ => "resnet9" };
        var ngf = new Option<int>("--ngf") { Description = "Width of the first layer.", DefaultValueFactory = _ => 64 };
        var size = new Option<int>("--size") { Description = "Input size in pixels.", DefaultValueFactory = _ => 256 };
        var widths = new Option<string?>("--widths") { Description = "A model file (its architecture and widths are timed), a JSON file with a list of widths, or the list itself, e.g. [16,32,64]." };
        var train = new Option<bool>("--train") { Description = "Time a training step (forward, backward, Adam) instead of inference." };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var iters = new Option<int>("--iters") { Description = "Timed iterations, after a warm-up to the JIT's steady state (32 calls, at most 20 s).", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print JSON (medianMs, iters, ...)." };
        var cmd = new Command("bench", "Time one model: median milliseconds per forward pass (or training step).") { arch, ngf, size, widths, train, device, iters, json };
        cmd.SetAction(parse =>
        {
            try
            {
                var r = QuickBench.Run(parse.GetValue(arch)!, parse.GetValue(ngf), parse.GetValue(size), parse.GetValue(widths),
                    parse.GetValue(train), parse.GetValue(device)!, parse.GetValue(iters));
                if (parse.GetValue(json))
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        arch = r.Arch, widths = r.Widths, size = r.Size, device = r.Device, train = r.Train, iters = r.Iters,
                        medianMs = r.MedianMs, minMs = r.MinMs, macs = r.Macs,
                    }, new JsonSerializerOptions { WriteIndented = true }));
                else
                    Console.WriteLine($"{r.Arch} {(r.Widths == null ? "" : $"[{string.Join(",", r.Widths)}] ")}{r.Size}x{r.Size} on {r.Device}, " +
                        $"{(r.Train ? "training step" : "forward")}: median {r.MedianMs:F1} ms, best {r.MinMs:F1} ms over {r.Iters} ({r.Macs / 1e9:F3} GMACs)");
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
