using System.Text.Json;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan train --no-prune --widths: a plain generator of given widths (a list, or a model file's widths) from scratch.</summary>
public class TrainWidthsCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    static int[] ReportWidths(string run)
    {
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report.json")));
        return report.RootElement.GetProperty("widths").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    [Fact]
    public void TrainsTheGivenWidthsFromAListOrAModelFile()
    {
        string root = Path.Combine(Path.GetTempPath(), $"widths-cli-{Guid.NewGuid():N}");
        try
        {
            string data = DemoData.Extract("pix2pix", Path.Combine(root, "data"));
            string[] common = ["train", "--mode", "pix2pix", "--data", data, "--size", "32", "--ngf", "8", "--ndf", "8", "--steps", "2", "--no-prune",
                "--device", "cpu", "--checkpoint-every", "0", "--sample-every", "0"];
            // A U-Net at 32 px has 5 downs: d1..d5, u5..u2 (the layout `info` prints); odd widths, as a search leaves them.
            int[] widths = [5, 7, 13, 29, 31, 30, 17, 9, 6];
            string listRun = Path.Combine(root, "list");
            var (code, output, err) = Run([.. common, "--out", listRun, "--widths", JsonSerializer.Serialize(widths)]);
            Assert.True(code == 0, output + err);
            Assert.Equal(widths, ReportWidths(listRun));

            // The widths of a model file: the architecture the run above trained, trained again from scratch.
            string fromModel = Path.Combine(root, "model");
            (code, output, err) = Run([.. common, "--out", fromModel, "--widths", Path.Combine(listRun, "compact.safetensors")]);
            Assert.True(code == 0, output + err);
            Assert.Equal(widths, ReportWidths(fromModel));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void BadWidthsAreRefusedBeforeAnythingIsWritten()
    {
        string root = Path.Combine(Path.GetTempPath(), $"widths-bad-{Guid.NewGuid():N}");
        try
        {
            string data = DemoData.Extract("pix2pix", Path.Combine(root, "data"));
            string run = Path.Combine(root, "run");
            string[] common = ["train", "--mode", "pix2pix", "--data", data, "--out", run, "--size", "32", "--ngf", "8", "--steps", "2", "--device", "cpu"];
            foreach (var (args, expected) in new (string[], string)[]
            {
                (["--widths", "[8,16]"], "--widths trains a plain generator"),                     // no --no-prune
                (["--no-prune", "--widths", "[8,16]"], "needs 9 entries"),                            // wrong count, named with the layout
                (["--no-prune", "--widths", "[8,x]"], "expected a JSON list of widths"),
                (["--no-prune", "--widths", Path.Combine(root, "none.json")], "neither a model file"),
                (["--no-prune", "--widths", "[5,7,13,29,0,30,17,9,6]"], "(d5) must be at least 1, got 0"),
            })
            {
                var (code, output, err) = Run([.. common, .. args]);
                Assert.True(code == 2, $"{string.Join(" ", args)}: exit {code}\n{output}{err}");
                Assert.Contains(expected, err);
                Assert.DoesNotContain("   at ", err);
                Assert.False(Directory.Exists(run), $"{string.Join(" ", args)} left {run}");
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
