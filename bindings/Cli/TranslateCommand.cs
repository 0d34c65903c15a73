using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan translate</c>: run a saved generator over an image or a folder of images.</summary>
internal static class TranslateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A generator file (compact.safetensors or any saved generator).", Required = true };
        var input = new Option<string>("--input") { Description = "An image file or a folder of images.", Required = true };
        var output = new Option<string>("--output") { Description = "Folder for the translated PNGs (same names; a.png and a.bmp become a_png.png and a_bmp.png); not the input folder.", Required = true };
        var size = new Option<int?>("--size") { Description = "Images are resized to size x size (default: the size the model was trained at, else 256)." };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 8 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace output files that already exist (otherwise the run stops before writing anything)." };
        var cmd = new Command("translate", "Translate images with a saved generator.") { model, input, output, size, batch, device, overwrite };
        cmd.SetAction(parse =>
        {
            try
            {
                using var g = Generator.Load(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(size));
                Console.WriteLine($"{g.Path} on {g.DeviceName} at {g.ImageSize}x{g.ImageSize}");
                g.TranslateFiles(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(batch),
                    new SyncProgress<TranslatedFile>(f => Console.WriteLine($"{f.Source} -> {f.Output}")), overwrite: parse.GetValue(overwrite));
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

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
