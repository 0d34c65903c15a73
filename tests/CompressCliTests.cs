using System.Text.Json;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan train --init / --init-d and coronetgan compress end to end on the embedded demo data, at toy size.</summary>
public class CompressCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void CompressATrainedGeneratorAndStartRunsFromOursAndPyTorchFiles()
    {
        string root = Path.Combine(Path.GetTempPath(), $"compress-cli-{Guid.NewGuid():N}");
        try
        {
            string data = DemoData.Extract("pix2pix", Path.Combine(root, "data"));
            string full = Path.Combine(root, "full");
            var (code, output, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", full, "--size", "32", "--ngf", "4",
                "--ndf", "8", "--steps", "3", "--no-prune", "--device", "cpu", "--checkpoint-every", "0", "--sample-every", "0");
            Assert.True(code == 0, output + err);
            string model = Path.Combine(full, "compact.safetensors");

            // compress: mode from the layout, architecture and size from the model file.
            string compressed = Path.Combine(root, "compressed");
            (code, output, err) = Run("compress", "--model", model, "--data", data, "--target-ratio", "0.5", "--steps", "6", "--out", compressed, "--device", "cpu");
            Assert.True(code == 0, output + err);
            Assert.Contains("compressing", output);
            // train's recipe defaults for pix2pix, not the engine's published ones: the hyper fine-tune and a fresh discriminator.
            Assert.Contains("the fine-tune keeps the hypernetwork's form", output);
            Assert.Contains("the discriminators restart from fresh weights", output);
            using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(compressed, "report.json"))))
            {
                var r = report.RootElement;
                Assert.Equal("pix2pix", r.GetProperty("mode").GetString());
                Assert.True(r.GetProperty("compactMacs").GetInt64() <= 0.5 * r.GetProperty("fullMacs").GetInt64(), report.RootElement.ToString());
            }

            // train --init with a PyTorch-named state dict: imported into the run's init/ folder.
            string pt = Path.Combine(root, "netG.safetensors");
            using (var loaded = Interchange.LoadModel(model, Device.Cpu)) Interchange.ExportPyTorch(loaded, pt);
            string fromPt = Path.Combine(root, "from-pt");
            (code, output, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", fromPt, "--size", "32", "--ngf", "4",
                "--ndf", "8", "--steps", "4", "--target-ratio", "0.5", "--init", pt, "--device", "cpu", "--checkpoint-every", "0", "--sample-every", "0");
            Assert.True(code == 0, output + err);
            Assert.True(File.Exists(Path.Combine(fromPt, "init", "G0-netG.safetensors")));

            // A width mismatch is a clear error naming the option, the key and both shapes.
            (code, output, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", Path.Combine(root, "wide"), "--size", "32", "--ngf", "8",
                "--ndf", "8", "--steps", "4", "--target-ratio", "0.5", "--init", model, "--device", "cpu");
            Assert.True(code == 2, output + err);
            Assert.Contains("--init", err);
            Assert.Contains("model.model.0.weight", err);
            Assert.Contains("[8,3,4,4]", err);
            Assert.Contains("[4,3,4,4]", err);
            Assert.DoesNotContain("   at ", err);

            // A generator given as the discriminator is refused by kind.
            (code, _, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", Path.Combine(root, "d"), "--size", "32", "--ngf", "4",
                "--ndf", "8", "--steps", "4", "--no-prune", "--init-d", model, "--device", "cpu");
            Assert.Equal(2, code);
            Assert.Contains("--init-d", err);
            Assert.Contains("UnetGenerator", err);

            // A resume already holds every weight.
            (code, _, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", full, "--resume", "--init", model, "--device", "cpu");
            Assert.Equal(2, code);
            Assert.Contains("drop --init", err);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
