using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Tests;

/// <summary>
/// Every golden case (libtorch 2.10's outputs, losses, gradients and BatchNorm buffers) reproduced on every test
/// device. The largest case takes about 2 s on ILGPU's CPU accelerator, so it runs them all.
/// </summary>
public class ParityTests
{
    public static IEnumerable<object[]> Cases => TestDevices.Cross(GoldenCases.Names.Select(n => new object[] { n }).ToArray());

    [Theory]
    [MemberData(nameof(Cases))]
    public void GoldenCasePasses(string device, string name)
    {
        var report = Parity.Run(GoldenCases.Dir(name), TestDevices.Get(device));
        Assert.True(report.Passed, string.Join("\n", report.Lines()));
        Assert.True(report.Training);
        // output, loss, grad_input, one gradient per parameter and one row per BatchNorm buffer.
        var keys = GoldenCases.WeightKeys(name);
        int buffers = keys.Count(k => k.EndsWith("running_mean", StringComparison.Ordinal) || k.EndsWith("running_var", StringComparison.Ordinal)
            || k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        Assert.Equal(3 + keys.Count, report.Rows.Count);
        Assert.Equal(buffers, report.Rows.Count(r => r.Name.StartsWith("after.", StringComparison.Ordinal)));
    }

    [Fact]
    public void ZeroByConstructionGradientsAreComparedAbsolutely()
    {
        var report = Parity.Run(GoldenCases.Dir("resnet9_ngf8"), Device.Cpu);
        var bias = report.Rows.Single(r => r.Name == "grad.model.4.bias");
        Assert.Equal(ParityMeasure.Absolute, bias.Measure);
        Assert.Equal(ParityMeasure.Relative, report.Rows.Single(r => r.Name == "grad.model.26.bias").Measure);
        Assert.Equal(ParityMeasure.Exact, Parity.Run(GoldenCases.Dir("batch_norm_train"), Device.Cpu).Rows.Single(r => r.Name == "after.num_batches_tracked").Measure);
    }

    [Fact]
    public void APerturbedReferenceFailsOnTheTensorConcerned()
    {
        using var tmp = new GoldenCases.TempDir();
        string src = GoldenCases.Dir("batch_norm_train");
        foreach (var f in new[] { "case.json", "weights.safetensors" }) File.Copy(Path.Combine(src, f), tmp.File(f));
        var io = SafeTensorsFile.Read(Path.Combine(src, "io.safetensors"));
        var grad = io["grad.weight"].ToFloats();
        grad[1] += 0.01f * grad.Max(Math.Abs);
        var tensors = io.Names.Select(n => new KeyValuePair<string, SafeTensor>(n,
            n == "grad.weight" ? SafeTensor.FromFloats(grad, io[n].Shape)
            : n == "after.num_batches_tracked" ? SafeTensor.FromInt64s([2])
            : io[n])).ToList();
        SafeTensorsFile.Write(tmp.File("io.safetensors"), new SafeTensorsFile(tensors));

        var report = Parity.Run(tmp.Path, Device.Cpu);
        Assert.False(report.Passed);
        Assert.Equal(["after.num_batches_tracked", "grad.weight"], report.Rows.Where(r => !r.Passed).Select(r => r.Name).Order());
        Assert.InRange(report.Rows.Single(r => r.Name == "grad.weight").Error, 0.009, 0.011);
        Assert.StartsWith("FAIL batch_norm_train", report.Summary);
    }
}
