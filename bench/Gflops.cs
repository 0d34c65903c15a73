using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CoroNetGAN.Bench;

/// <summary>Floating-point operations one invocation of the benchmark performs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GflopCountAttribute(long flops) : Attribute
{
    /// <summary>FLOPs per invocation.</summary>
    public long Flops { get; } = flops;
}

/// <summary>A column with the achieved GFLOP/s: the attribute's FLOPs over the mean time.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => "GFLOPs";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Achieved GFLOP/s (FLOPs per invocation / mean time)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var attr = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<GflopCountAttribute>();
        long flops = attr?.Flops ?? FlopsFromParameters(benchmarkCase);
        var report = summary[benchmarkCase];
        if (flops <= 0 || report?.ResultStatistics == null) return "-";
        double ns = report.ResultStatistics.Mean;
        return (flops / ns).ToString("F1");
    }

    /// <summary>A suite whose FLOPs depend on a parameter implements <see cref="IFlopsByCase"/> (0 when it does not).</summary>
    static long FlopsFromParameters(BenchmarkCase benchmarkCase)
    {
        if (!typeof(IFlopsByCase).IsAssignableFrom(benchmarkCase.Descriptor.Type)) return 0;
        var suite = (IFlopsByCase)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(suite, p.Value);
        return suite.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
    }
}

/// <summary>A benchmark suite whose FLOPs per invocation follow from its parameters.</summary>
public interface IFlopsByCase
{
    /// <summary>FLOPs of one invocation of <paramref name="method"/> with the parameters set on this instance.</summary>
    long Flops(string method);
}

/// <summary>
/// Short in-process runs (the machines here are noisy and small; in-process skips a generated-project build)
/// with the GFLOP/s column.
/// </summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(7).WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
        AddColumn(new GflopsColumn());
    }
}

/// <summary>Devices to benchmark: cpu, plus those named in CORONETGAN_BENCH_DEVICES (comma-separated).</summary>
public static class BenchDevices
{
    public static IEnumerable<string> Names()
    {
        yield return "cpu";
        var extra = Environment.GetEnvironmentVariable("CORONETGAN_BENCH_DEVICES");
        if (string.IsNullOrWhiteSpace(extra)) yield break;
        foreach (var name in extra.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (name != "cpu") yield return name;
    }
}
