using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Engine.Testing;

/// <summary>Valid inputs for each <see cref="FuzzTargets"/> reader: the starting corpus that mutations are made from.</summary>
internal static class FuzzSeeds
{
    /// <summary>Writes the seeds of <paramref name="target"/> into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string target, string directory)
    {
        Directory.CreateDirectory(directory);
        string P(string name) => Path.Combine(directory, name);
        switch (target)
        {
            case "safetensors":
            case "model":
                using (var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 2, Blocks: 1), Device.Cpu, seed: 1))
                    ModelFile.Save(g, P("resnet.safetensors"), imageSize: 32);
                using (var u = new UnetGenerator(new UnetGeneratorConfig(NumDowns: 5, Ngf: 2, Widths: [2, 3, 4, 4, 4, 4, 4, 3, 2]), Device.Cpu, seed: 2))
                    ModelFile.Save(u, P("unet.safetensors"));
                return [P("resnet.safetensors"), P("unet.safetensors")];
            case "checkpoint-state":
                var options = new TrainOptions(TrainMode.Pix2Pix, 32, 10, "run", Ngf: 4, Ndf: 8, CheckpointEvery: 2, Prune: new PruneOptions(TargetRatio: 0.5));
                var snapshot = new SearchSnapshot(0.1f, 4, SearchState.Searching, 5, 0, 1.0, -1, false, 0.9, [4, 8, 16], ["step 4"]);
                var state = new CheckpointState(options, "pix2pix", "unet", Trainer.SearchPhase, 4, 4,
                    [new GeneratorState("G", "UnetGenerator", true, [4, 8, 16, 32, 32, 32, 32, 32, 16, 8, 4])],
                    new() { ["G"] = snapshot }, new() { ["G.model.1"] = 3 }, 4, 4, new() { ["fake"] = 2 }, new() { ["fake"] = 0 },
                    new() { ["search"] = new PhaseTime(4, 0.5) });
                File.WriteAllText(P("state.json"), JsonSerializer.Serialize(state, CheckpointStore.Json));
                return [P("state.json")];
            case "image":
                using (var img = new Image<Rgb24>(12, 9))
                {
                    for (int y = 0; y < 9; y++)
                        for (int x = 0; x < 12; x++) img[x, y] = new Rgb24((byte)(x * 20), (byte)(y * 25), (byte)(x * y));
                    img.SaveAsPng(P("a.png"));
                    img.SaveAsBmp(P("a.bmp"));
                    img.SaveAsGif(P("a.gif"));
                    img.SaveAsJpeg(P("a.jpg"));
                }
                return [P("a.png"), P("a.bmp"), P("a.gif"), P("a.jpg")];
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", FuzzTargets.Names)}.");
        }
    }
}
