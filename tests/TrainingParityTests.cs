using System.Text.Json;
using System.Text.Json.Nodes;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Tooling;

namespace CoroNetGAN.Tests;

/// <summary>
/// ../shared/golden-train: libtorch's CycleGAN and pix2pix training steps replayed through the engine's own trainer
/// (per step from the file's weights, the trainer's Adam fed the file's gradients, and free running), and DHP
/// hyper-convolutions with proximal steps, on every test device.
/// </summary>
public class TrainingParityTests
{
    static string Dir(string name) => SharedFiles.Path("golden-train/" + name);

    static IReadOnlyList<(string Name, string Kind)> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedFiles.Path("golden-train/index.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("case").GetString()!, c.GetProperty("kind").GetString()!)).ToList();
    }

    public static IEnumerable<object[]> All => TestDevices.Cross(Cases().Select(c => new object[] { c.Name }).ToArray());

    [Theory]
    [MemberData(nameof(All))]
    public void GoldenTrainingCasePasses(string device, string name)
    {
        var report = Parity.Run(Dir(name), TestDevices.Get(device));
        Assert.True(report.Passed, string.Join("\n", report.Lines().Where(l => !l.EndsWith(" ok", StringComparison.Ordinal))));
        var io = SafeTensorsFile.Read(Path.Combine(Dir(name), "io.safetensors"));
        if (Cases().Single(c => c.Name == name).Kind == "hyperconv")
        {
            // Every stored gradient and proximal example has its row.
            foreach (var key in io.Names.Where(n => n.StartsWith("grad", StringComparison.Ordinal) || n.EndsWith(".after", StringComparison.Ordinal)))
                Assert.Contains(report.Rows, r => r.Name == key);
            return;
        }
        // Every stored loss, gradient and step-0 tensor is compared in the per-step check, every weight after every step
        // in the Adam replay and in the free run.
        foreach (var key in io.Names.Where(n => n.StartsWith("step", StringComparison.Ordinal) && !n.EndsWith("real_A", StringComparison.Ordinal) && !n.EndsWith("real_B", StringComparison.Ordinal)))
            Assert.Contains(report.Rows, r => r.Name == key);
        var weights = SafeTensorsFile.Read(Path.Combine(Dir(name), "weights.safetensors"));
        int parameters = weights.Names.Count(n => !n.Contains("running_", StringComparison.Ordinal) && !n.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        int steps = io.Names.Count(n => n.EndsWith(".real_A", StringComparison.Ordinal));
        Assert.Equal(parameters * steps, report.Rows.Count(r => r.Name.StartsWith("adam.after_step", StringComparison.Ordinal)));
        Assert.Equal(parameters * steps, report.Rows.Count(r => r.Name.StartsWith("free.after_step", StringComparison.Ordinal)));
    }

    /// <summary>A wrong recipe must fail: the checks are sharp enough to see a changed identity weight or GAN loss.</summary>
    [Theory]
    [InlineData("cyclegan_steps", "lambda_identity", 0.45, "loss_idt_A")]
    [InlineData("pix2pix_steps", "lambda_L1", 90.0, "loss_G_L1")]
    public void ARecipeThatDiffersFromTheReferenceFails(string name, string key, double value, string failingLoss)
    {
        using var tmp = new GoldenCases.TempDir();
        foreach (var f in new[] { "weights.safetensors", "io.safetensors" }) File.Copy(Path.Combine(Dir(name), f), tmp.File(f));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(name), "case.json")))!;
        json["hyperparameters"]![key] = value;
        File.WriteAllText(tmp.File("case.json"), json.ToJsonString());

        var report = Parity.Run(tmp.Path, Device.Cpu);
        Assert.False(report.Passed);
        Assert.Contains(report.Rows, r => r.Name == $"step0.{failingLoss}" && !r.Passed);
    }

    [Fact]
    public void TheEnginesGuardedProximalStepIsNotDhpsButZeroExemptIs()
    {
        var io = SafeTensorsFile.Read(Path.Combine(Dir("dhp_hyperconv"), "io.safetensors"));
        var before = io["prox0.before"].ToFloats();
        float reg = io["prox0.reg"].ToFloats()[0], threshold = io["prox0.prune_threshold"].ToFloats()[0];
        using var guarded = Tensor.FromArray(Device.Cpu, before, before.Length);
        using var dhp = Tensor.FromArray(Device.Cpu, before, before.Length);
        Ops.ProximalStep(guarded, reg, threshold, 4);
        Ops.ProximalStep(dhp, reg, threshold, 4, exempt: 0);
        Assert.Equal(io["prox0.after"].ToFloats(), dhp.ToArray());
        // The guard leaves the 4 largest entries alone, which DHP shrinks.
        Assert.Equal(4, guarded.ToArray().Zip(io["prox0.after"].ToFloats()).Count(p => p.First != p.Second));
    }

    [Fact]
    public void SerialBatchesTakeInMemorySamplesInOrder()
    {
        var samples = Enumerable.Range(0, 5).Select(i => new ImagePair(Enumerable.Repeat((float)i, 3 * 8 * 8).ToArray(),
            Enumerable.Repeat(-(float)i, 3 * 8 * 8).ToArray())).ToList();
        var data = new InMemoryDataset(samples, 8, paired: false);
        var serial = new DataLoader(data, 2, 7, serial: true);
        Assert.Equal([0f, 1f], new[] { serial.BatchAt(0).A[0], serial.BatchAt(0).A[3 * 64] });
        Assert.Equal([4f, 0f], new[] { serial.BatchAt(2).A[0], serial.BatchAt(2).A[3 * 64] });
        Assert.Equal(-4f, serial.BatchAt(2).B[0]);
        Assert.Throws<ArgumentException>(() => new InMemoryDataset([new ImagePair(new float[5], new float[5])], 8, true));
    }
}
