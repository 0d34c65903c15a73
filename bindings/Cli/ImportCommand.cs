using System.CommandLine;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan import</c>: a PyTorch state dict (safetensors) into a CoroNetGAN model file.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var pytorch = new Option<string>("--pytorch") { Description = "The PyTorch state dict, saved as safetensors (see README for the one-line conversion of a .pth).", Required = true };
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", Interchange.ImportNames)}.", Required = true };
        var outPath = new Option<string>("--out") { Description = "The model file to write.", Required = true };
        var ngf = new Option<int?>("--ngf") { Description = "Filters of the first conv (ndf for patchgan); inferred from the weights when left out." };
        var norm = new Option<string?>("--norm") { Description = "instance, batch or none; inferred when left out." };
        var inputNc = new Option<int?>("--input-nc") { Description = "Input channels; inferred when left out." };
        var outputNc = new Option<int?>("--output-nc") { Description = "Output channels of a generator; inferred when left out." };
        var blocks = new Option<int?>("--blocks") { Description = "Residual blocks (resnet; inferred)." };
        var numDowns = new Option<int?>("--num-downs") { Description = "Downsamplings (unet; inferred)." };
        var layers = new Option<int?>("--n-layers") { Description = "Discriminator layers (patchgan; inferred)." };
        var dropout = new Option<bool?>("--dropout") { Description = "Whether the generator uses dropout (U-Net default: on, as pix2pix; the ResNet's is inferred)." };
        var cmd = new Command("import", "Import PyTorch (pytorch-CycleGAN-and-pix2pix) weights from safetensors and save them as a CoroNetGAN model.")
            { pytorch, arch, outPath, ngf, norm, inputNc, outputNc, blocks, numDowns, layers, dropout };
        cmd.SetAction(parse =>
        {
            try
            {
                NormKind? n = parse.GetValue(norm) is { } text ? CliParsing.Norm(text) : null;
                var options = new ImportOptions(parse.GetValue(ngf), n, parse.GetValue(inputNc), parse.GetValue(outputNc),
                    parse.GetValue(blocks), parse.GetValue(numDowns), parse.GetValue(layers), parse.GetValue(dropout));
                CliParsing.RequireDistinct(parse.GetValue(pytorch)!, "--pytorch", parse.GetValue(outPath)!, "--out");
                using var device = Devices.Open("cpu");
                using var model = Interchange.ImportPyTorch(parse.GetValue(pytorch)!, parse.GetValue(arch)!, device, options);
                Interchange.SaveModel(model, parse.GetValue(outPath)!);
                Console.WriteLine($"imported {parse.GetValue(pytorch)}: {Interchange.Describe(model)}, {model.ParameterCount:N0} parameters");
                Console.WriteLine($"wrote {parse.GetValue(outPath)}");
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
