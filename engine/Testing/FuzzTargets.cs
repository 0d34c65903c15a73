using System.Text;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using SixLabors.ImageSharp;

namespace CoroNetGAN.Engine.Testing;

/// <summary>
/// The readers of untrusted bytes, each as one entry point for the fuzz harnesses (tools/fuzz) and the seeded mutation
/// test: whatever the input, each may only throw the documented exceptions (<see cref="IsDocumented"/>).
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Harness names, as tools/fuzz/run.sh passes them.</summary>
    public static readonly string[] Names = ["safetensors", "model", "checkpoint-state", "image"];

    /// <summary>The exceptions a reader documents for bad input: each carries a message naming the file and the fault.</summary>
    public static bool IsDocumented(Exception e) => e is SafeTensorsFormatException or InvalidDataException or StateDictMismatchException
        or BadImageException or ArgumentException;

    static Configuration? _imageConfig;

    /// <summary>Feeds <paramref name="path"/> (a file holding the fuzzed bytes) to the reader <paramref name="target"/>.</summary>
    public static void Run(string target, string path)
    {
        switch (target)
        {
            case "safetensors":
                // The whole reader: length prefix, UTF-8, JSON header, shapes, offsets, tiling, tensor bytes.
                SafeTensorsFile.Read(path);
                break;
            case "model":
                // Model-file metadata (format, version, architecture, config JSON, image size), then the strict load.
                ModelFile.ReadImageSize(path);
                using (ModelFile.Load(path, Device.Cpu)) { }
                break;
            case "checkpoint-state":
                // The file is the checkpoint's "state" JSON itself, so every mutation reaches the deserializer.
                CheckpointStore.ParseState(Encoding.UTF8.GetString(File.ReadAllBytes(path)), path);
                break;
            case "image":
                _imageConfig ??= ImageLimits.Default.CreateConfiguration();
                ImageReader.Decode(path, ImageLimits.Default, _imageConfig).Dispose();
                break;
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", Names)}.");
        }
    }
}
