using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Tests;

/// <summary>coronetgan import, export and parity, run in-process as a user would type them.</summary>
public class InterchangeCliTests
{
    static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void ParityPrintsOneLinePerTensorAndPasses()
    {
        var (code, output, err) = Run("parity", "--case", GoldenCases.Dir("patchgan_ndf8_bn_nc6"), "--device", "cpu");
        Assert.True(code == 0, output + err);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(3 + 22 + 1, lines.Length);
        Assert.StartsWith("output ", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("after.model.3.num_batches_tracked", StringComparison.Ordinal) && l.Contains("exact"));
        Assert.StartsWith("PASS patchgan_ndf8_bn_nc6 (NLayerDiscriminator, train mode) on cpu: 25 tensors within tolerance", lines[^1]);
    }

    [Fact]
    public void ParityRejectsAMissingCaseAndAnUnknownDevice()
    {
        using var tmp = new GoldenCases.TempDir();
        var (code, _, err) = Run("parity", "--case", tmp.Path);
        Assert.Equal(2, code);
        Assert.Contains("case.json", err);
        (code, _, err) = Run("parity", "--case", GoldenCases.Dir("conv2d_k4s2p1"), "--device", "cuda:7");
        Assert.Equal(2, code);
        Assert.Contains("'cuda:7' is not present", err);
    }

    [Fact]
    public void ImportThenExportGivesTheSameTensors()
    {
        using var tmp = new GoldenCases.TempDir();
        string weights = Path.Combine(GoldenCases.Dir("unet6_ngf8_bn"), "weights.safetensors");
        string model = tmp.File("unet.coronetgan"), back = tmp.File("back.safetensors");
        var (code, output, err) = Run("import", "--pytorch", weights, "--arch", "unet64", "--out", model);
        Assert.True(code == 0, err);
        Assert.Contains("UnetGenerator", output);
        Assert.Contains("458,579 parameters", output);
        (code, _, err) = Run("export", "--model", model, "--pytorch", back);
        Assert.True(code == 0, err);
        var a = SafeTensorsFile.Read(weights);
        var b = SafeTensorsFile.Read(back);
        Assert.Equal(a.Names.Order(), b.Names.Order());
        Assert.All(a.Names, n => Assert.True(a[n].ContentEquals(b[n]), n));
    }

    [Fact]
    public void ImportExplainsADisagreement()
    {
        using var tmp = new GoldenCases.TempDir();
        string weights = Path.Combine(GoldenCases.Dir("patchgan_ndf8_in"), "weights.safetensors");
        var (code, _, err) = Run("import", "--pytorch", weights, "--arch", "patchgan", "--input-nc", "6", "--out", tmp.File("d"));
        Assert.Equal(2, code);
        Assert.Contains("--input-nc 6 disagrees with the file: its input channels is 3 (model.0.weight F32 [8,3,4,4])", err);
        (code, _, err) = Run("import", "--pytorch", weights, "--arch", "resnet9", "--out", tmp.File("d"));
        Assert.Equal(2, code);
        Assert.Contains("none of its keys is present", err);
        Assert.Contains("missing key(s)", err);
        Assert.Contains("model.26.weight", err);
        Assert.False(File.Exists(tmp.File("d")));
    }
}
