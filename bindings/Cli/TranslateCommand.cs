using System.CommandLine;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan translate</c>: run a saved generator over an image or a folder of images.</summary>
internal static class TranslateCommand
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga", ".tif", ".tiff"];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A generator file (compact.safetensors or any saved generator).", Required = true };
        var input = new Option<string>("--input") { Description = "An image file or a folder of images.", Required = true };
        var output = new Option<string>("--output") { Description = "Folder for the translated PNGs (same names).", Required = true };
        var size = new Option<int>("--size") { Description = "Images are resized to size x size (use the training size).", DefaultValueFactory = _ => 256 };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda, opencl, ilgpu-cpu.", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("translate", "Translate images with a saved generator.") { model, input, output, size, device };
        cmd.SetAction(parse =>
        {
            try
            {
                string inPath = parse.GetValue(input)!, outDir = parse.GetValue(output)!;
                int s = parse.GetValue(size);
                var files = File.Exists(inPath) ? [inPath]
                    : Directory.Exists(inPath) ? Directory.GetFiles(inPath).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray()
                    : throw new FileNotFoundException($"'{inPath}' is neither an image file nor a folder.");
                if (files.Length == 0) throw new ArgumentException($"'{inPath}' holds no images ({string.Join(", ", Extensions)}).");
                using var dev = Devices.Open(parse.GetValue(device)!);
                using var g = Interchange.LoadModel(parse.GetValue(model)!, dev);
                g.Eval();
                Directory.CreateDirectory(outDir);
                foreach (var f in files)
                {
                    using var scope = Tape.NoGrad();
                    var x = Tensor.FromArray(dev, ImageIO.Load(f, s), 1, 3, s, s);
                    string target = Path.Combine(outDir, Path.GetFileNameWithoutExtension(f) + ".png");
                    ImageIO.SavePng(g.Forward(x), target);
                    Console.WriteLine($"{f} -> {target}");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or BadImageException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }
}
