using System.Text.Json;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan train, info and translate end to end on the embedded demo data, at toy size.</summary>
public class TrainCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void TrainThenTranslateAFolder()
    {
        string root = Path.Combine(Path.GetTempPath(), $"train-cli-{Guid.NewGuid():N}");
        try
        {
            string data = DemoData.Extract("pix2pix", Path.Combine(root, "data"));
            string run = Path.Combine(root, "run");
            var (code, output, err) = Run("train", "--mode", "pix2pix", "--data", data, "--out", run, "--size", "32", "--ngf", "4",
                "--ndf", "8", "--steps", "6", "--target-ratio", "0.5", "--device", "cpu", "--checkpoint-every", "3", "--sample-every", "3");
            Assert.True(code == 0, output + err);
            using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report.json"))))
            {
                var r = report.RootElement;
                Assert.Equal("pix2pix", r.GetProperty("mode").GetString());
                Assert.True(r.GetProperty("compactMacs").GetInt64() <= r.GetProperty("fullMacs").GetInt64());
                Assert.True(r.GetProperty("test").GetProperty("l1").GetDouble() > 0);
            }
            Assert.True(File.Exists(Path.Combine(run, "plot.png")));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "samples"), "*.png"));
            Assert.Contains("test L1 (compact generator)", output);

            (code, output, err) = Run("info", "--model", Path.Combine(run, "compact.safetensors"));
            Assert.True(code == 0, output + err);
            Assert.Contains("UnetGenerator", output);

            string inputs = Path.Combine(data, "test");
            string translated = Path.Combine(root, "translated");
            (code, output, err) = Run("translate", "--model", Path.Combine(run, "compact.safetensors"), "--input", inputs,
                "--output", translated, "--size", "32", "--device", "cpu");
            Assert.True(code == 0, output + err);
            Assert.Equal(Directory.GetFiles(inputs).Length, Directory.GetFiles(translated, "*.png").Length);

            (code, _, err) = Run("translate", "--model", Path.Combine(run, "compact.safetensors"), "--input", Path.Combine(root, "nothing-here"),
                "--output", translated, "--device", "cpu");
            Assert.Equal(2, code);
            Assert.Contains("nothing-here", err);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DemoScoresTheCompactAndTheFullGenerator()
    {
        string root = Path.Combine(Path.GetTempPath(), $"demo-cli-{Guid.NewGuid():N}");
        try
        {
            var (code, output, err) = Run("demo", "--steps", "12", "--out", root, "--device", "cpu");
            Assert.True(code == 0, output + err);
            Assert.True(File.Exists(Path.Combine(root, "test-grid.png")));
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "demo-report.json")));
            var r = doc.RootElement;
            double compact = r.GetProperty("compact").GetProperty("fidResNet18").GetDouble();
            double full = r.GetProperty("full").GetProperty("fidResNet18").GetDouble();
            Assert.True(compact > 0 && full > 0, $"FIDs {compact} and {full}");
            Assert.True(r.GetProperty("compactMacs").GetInt64() < r.GetProperty("fullMacs").GetInt64());
            Assert.Contains("FID (ResNet-18)", output);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TrainRefusesAMissingFolderByName()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-data-{Guid.NewGuid():N}");
        var (code, _, err) = Run("train", "--mode", "pix2pix", "--data", missing, "--out", missing + "-out", "--size", "32", "--steps", "2", "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains(missing, err);
    }
}
