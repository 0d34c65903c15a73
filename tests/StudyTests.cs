using CoroNetGAN.Engine.Training;
using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Tests;

/// <summary>The compression study's arithmetic (intervals, image distances, width matching) and its resumption.</summary>
public class StudyTests
{
    [Fact]
    public void TheBootstrapIntervalOfAMeanHasTheTextbookWidth()
    {
        // 400 draws of N(0, 1): the mean's 95% interval is about ± 1.96 / sqrt(400) = ± 0.098 around the sample mean.
        var r = new Random(5);
        var x = Enumerable.Range(0, 400).Select(_ => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())).ToArray();
        var ci = Bootstrap.Resample(x.Length, idx => idx.Average(i => x[i]), resamples: 2000, seed: 3);
        Assert.Equal(x.Average(), ci.Value, 12);
        Assert.InRange((ci.High - ci.Low) / 2, 0.085, 0.112);
        Assert.True(ci.Low < ci.Value && ci.Value < ci.High);
        // Half-sampling of two sets: mean(a) - mean(b) has sd sqrt(2 / 400) = 0.0707, so a 95% half-width near 0.139.
        var y = Enumerable.Range(0, 400).Select(_ => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble())).ToArray();
        var halves = Bootstrap.Halves(400, 400, (ia, ib) => ia.Average(i => x[i]) - ib.Average(i => y[i]), draws: 2000, seed: 4);
        Assert.Equal(x.Average() - y.Average(), halves.Value, 12);
        Assert.InRange((halves.High - halves.Low) / 2, 0.12, 0.16);
        // Student's t over three seeds: mean 2, s = 1, t(2, 0.975) = 4.303.
        var t = Bootstrap.MeanT([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, t.Value, 12);
        Assert.Equal(4.302653 / Math.Sqrt(3), (t.High - t.Low) / 2, 5);
    }

    [Fact]
    public void LowRankFidEqualsTheCovarianceFormula()
    {
        var r = new Random(8);
        var a = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, 64).Select(_ => r.NextDouble() * 3).ToArray()).ToList();
        var b = Enumerable.Range(0, 25).Select(_ => Enumerable.Range(0, 64).Select(_ => r.NextDouble() * 2 + 0.5).ToArray()).ToList();
        double full = FrechetDistance.Compute(FeatureStatistics.FromFeatures(a), FeatureStatistics.FromFeatures(b));
        double low = FrechetDistance.LowRank(a, b);
        // The covariance path takes square roots of rank-deficient matrices, which costs it a few digits.
        Assert.True(Math.Abs(full - low) <= 1e-7 * full, $"{low} vs {full}");
        Assert.Equal(low, FrechetDistance.Compute(a, b), 12);
    }

    [Fact]
    public void ImageDistancesMatchTheirClosedForms()
    {
        int n = 3 * 16 * 16;
        float[] half = Enumerable.Repeat(0f, n).ToArray(), quarter = Enumerable.Repeat(-0.5f, n).ToArray();   // 0.5 and 0.25 on [0, 1]
        Assert.Equal(0.5, ImageMetrics.L1(half, quarter), 12);
        Assert.Equal(10 * Math.Log10(1 / 0.0625), ImageMetrics.Psnr(half, quarter), 9);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(half, half));
        // Flat images: only the luminance term is left, (2 a b + c1) / (a^2 + b^2 + c1).
        const double c1 = 1e-4;
        Assert.Equal((2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), ImageMetrics.Ssim(half, quarter, 3, 16, 16), 9);
        var r = new Random(2);
        var noise = Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        Assert.Equal(1.0, ImageMetrics.Ssim(noise, noise, 3, 16, 16), 12);
        Assert.True(ImageMetrics.Ssim(noise, half, 3, 16, 16) < 0.1);
    }

    [Theory]
    [InlineData("resnet", 0.25)]
    [InlineData("resnet", 0.1)]
    [InlineData("unet", 0.25)]
    [InlineData("unet", 0.1)]
    public void UniformWidthsMatchTheTargetMacsFromBelowWithinTenPercent(string arch, double ratio)
    {
        var o = new TrainOptions(arch == "unet" ? TrainMode.Pix2Pix : TrainMode.CycleGan, 64, 10, "unused", Ngf: 16,
            NetG: arch == "unet" ? GeneratorArch.Unet : GeneratorArch.Resnet9, NoPrune: true);
        long full = GeneratorShapes.Macs(o, null);
        long target = (long)(full * ratio);
        var (widths, macs) = GeneratorShapes.UniformWidths(o, target);
        Assert.Equal(macs, GeneratorShapes.Macs(o, widths));
        Assert.InRange(macs, (long)(0.9 * target), target);
    }

    [Fact]
    public void BadStudiesAreRefusedBeforeAnyTraining()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = Path.Combine(SharedFiles.RepoRoot, "data", "openmoji-pairs");
        var o = new TrainOptions(TrainMode.Pix2Pix, 32, 4, tmp.Path, Ngf: 4, Ndf: 4);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentException>(() => new Study(new StudyOptions(o, data, tmp.Path, [0.5, 1.5], 1))).Message);
        Assert.Contains("at least 1 seed", Assert.Throws<ArgumentException>(() => new Study(new StudyOptions(o, data, tmp.Path, [0.5], 0))).Message);
        Assert.Contains("at least 500", Assert.Throws<ArgumentException>(() => new Study(new StudyOptions(o, data, tmp.Path, [0.5], 1, MinimumTestImages: 500))).Message);
        Assert.Contains("channels per layer allow", Assert.Throws<ArgumentException>(() => new Study(new StudyOptions(o, data, tmp.Path, [0.05], 1))).Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void AnInterruptedStudyResumesWithoutRedoingFinishedRuns()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = Path.Combine(SharedFiles.RepoRoot, "data", "openmoji-pairs");
        string root = Path.Combine(tmp.Path, "study");
        var o = new TrainOptions(TrainMode.Pix2Pix, 32, 6, root, Ngf: 4, Ndf: 4, CheckpointEvery: 2, Prune: new PruneOptions(CheckEvery: 2));
        var options = new StudyOptions(o, data, root, [0.5], 1, LoadSize: 32, BootstrapResamples: 20);
        var first = new Study(options);
        Assert.Equal(["full-s0", "coronetgan-r0.5-s0", "uniform-r0.5-s0"], first.Plan.Select(p => p.Name));
        using var cts = new CancellationTokenSource();
        first.Progress += p => { if (p.Run == 2 && p.StepsDone >= 6 + 3) cts.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(Device.Cpu, resume: false, cts.Token));
        string fullScores = Path.Combine(root, "full-s0", "scores.json");
        Assert.True(File.Exists(fullScores));
        Assert.False(File.Exists(Path.Combine(root, "coronetgan-r0.5-s0", "scores.json")));
        var stamp = File.GetLastWriteTimeUtc(fullScores);

        Assert.Throws<IOException>(() => new Study(options).Run(Device.Cpu, resume: false));
        var again = new Study(options);
        var log = new List<string>();
        again.Log += log.Add;
        var results = again.Run(Device.Cpu, resume: true);
        Assert.Equal(3, results.Count);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(fullScores));
        Assert.Contains(log, l => l.StartsWith("full-s0: finished earlier", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.StartsWith("full-s0: the full generator", StringComparison.Ordinal));
        Assert.All(results, r => Assert.True(r.Fid.Low < r.Fid.High && double.IsFinite(r.Fid.Low) && r.L1!.Low <= r.L1.Value && r.L1.Value <= r.L1.High));
        Assert.True(results[2].Macs <= results[1].Macs, "the uniform run matches the compressed one's MACs from below");
        string md = File.ReadAllText(Path.Combine(root, "study.md"));
        Assert.Contains("| coronetgan | 50.0%", md.Replace(" %", "%"));
        // The compressed run is scored a second time as extracted (before its first fine-tune step), in a row of its own.
        Assert.Null(results[0].AtExtraction);
        Assert.Null(results[2].AtExtraction);
        var x = results[1].AtExtraction!;
        Assert.True(x.L1!.Low <= x.L1.Value && x.L1.Value <= x.L1.High && double.IsFinite(x.Fid.Value));
        Assert.NotEqual(results[1].L1!.Value, x.L1.Value);
        Assert.Contains($"| coronetgan at extraction | 50.0% |", md.Replace(" %", "%"));
        Assert.Contains($"| coronetgan-r0.5-s0 (at extraction) |", md);
        Assert.Contains(x.L1.Value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), md);
        Assert.True(File.Exists(Path.Combine(root, "study.json")));
    }
}
