using System.CommandLine;
using CoroNetGAN.Onnx;

namespace CoroNetGAN.Cli;

/// <summary>
/// <c>coronetgan export</c>: a CoroNetGAN model file out as a PyTorch state dict (safetensors) or, for generators, as
/// an ONNX model (float32, or with <c>--fp16</c> float16 kernels).
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The CoroNetGAN model file.", Required = true };
        var pytorch = new Option<string?>("--pytorch") { Description = "Write the weights as a safetensors file under PyTorch's state_dict keys." };
        var onnx = new Option<string?>("--onnx") { Description = "Write the generator as an ONNX model (opset 17; input 'input' and output 'output', NCHW float32, dynamic batch)." };
        var fp16 = new Option<bool>("--fp16") { Description = "With --onnx: store the conv kernels as float16 (half the file; the graph still computes in float32)." };
        var cmd = new Command("export", "Export a CoroNetGAN model: its weights as a PyTorch state dict in safetensors (--pytorch), or a generator as ONNX (--onnx).")
            { model, pytorch, onnx, fp16 };
        cmd.SetAction(parse =>
        {
            string? pt = parse.GetValue(pytorch), ox = parse.GetValue(onnx);
            bool half = parse.GetValue(fp16);
            try
            {
                if ((pt == null) == (ox == null))
                    throw new ArgumentException("give exactly one output: --pytorch OUT.safetensors or --onnx OUT.onnx.");
                if (half && ox == null)
                    throw new ArgumentException("--fp16 applies to --onnx only (a PyTorch state dict keeps the model's float32 weights).");
                CliParsing.RequireDistinct(parse.GetValue(model)!, "--model", pt ?? ox!, pt != null ? "--pytorch" : "--onnx");
                using var device = Devices.Open("cpu");
                using var m = Interchange.LoadModel(parse.GetValue(model)!, device);
                if (pt != null)
                {
                    Interchange.ExportPyTorch(m, pt);
                    Console.WriteLine($"exported {Interchange.Describe(m)} to {pt}");
                }
                else
                {
                    OnnxExport.Save(m, ox!, new OnnxExportOptions { Fp16 = half });
                    Console.WriteLine($"exported {Interchange.Describe(m)} to {ox} (ONNX opset {OnnxExport.Opset}, {(half ? "float16 kernels, float32 arithmetic" : "float32")})");
                }
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
