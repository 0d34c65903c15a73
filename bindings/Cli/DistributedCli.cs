using System.CommandLine;
using System.Diagnostics;
using System.Globalization;

namespace CoroNetGAN.Cli;

/// <summary>
/// <c>train --distributed</c>: the options and the per-rank parts of a data-parallel run under mpirun (rank 0 shows
/// progress and writes files; the other ranks train quietly).
/// </summary>
internal static class DistributedCli
{
    public static readonly Option<bool> Distributed = new("--distributed")
    {
        Description = "Data-parallel training: run as one rank of `mpirun -np N` (OpenMPI); each rank takes --batch-size samples of a global batch of N x --batch-size.",
    };

    public static readonly Option<int> WatchdogSeconds = new("--watchdog-seconds")
    {
        Description = "With --distributed: abort the whole job when an all-reduce waits this long for the other ranks (a hung rank).",
        DefaultValueFactory = _ => (int)DistributedRuns.DefaultWatchdog.TotalSeconds,
    };

    /// <summary>Joins the MPI job when --distributed was given; null otherwise.</summary>
    /// <exception cref="ArgumentException">A bad watchdog limit.</exception>
    /// <exception cref="MpiUnavailableException">No MPI to join.</exception>
    public static MpiCommunicator? Join(ParseResult parse)
    {
        if (!parse.GetValue(Distributed)) return null;
        int seconds = parse.GetValue(WatchdogSeconds);
        if (seconds < 1) throw new ArgumentException($"--watchdog-seconds must be at least 1, got {seconds}.");
        try { return DistributedRuns.Join(TimeSpan.FromSeconds(seconds)); }
        catch (MpiUnavailableException e)
        {
            throw new MpiUnavailableException($"--distributed: {e.Message} Start the ranks with: mpirun -np N coronetgan train ... --distributed", e);
        }
    }

    /// <summary>Ends the whole job at once after an error on one rank, so the others do not wait for the watchdog.</summary>
    public static void AbortOthers(MpiCommunicator? communicator, string message, int code)
    {
        if (communicator is { Size: > 1 }) communicator.Abort(message, code);
    }

    /// <summary>A rank other than 0: the run without console output or files (Ctrl+C stops it at the step rank 0 stops at).</summary>
    public static TrainReport? RunQuiet(TrainingRun trainer)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try { return trainer.Run(cts.Token); }
        catch (OperationCanceledException) { return null; }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    /// <summary>Steps per second after the first steps (which compile kernels and fill caches), for the summary.</summary>
    public sealed class Speed
    {
        const int Warmup = 3;
        long _firstStep = -1;
        long _t0;
        long _lastStep;
        long _t1;

        public Speed(TrainingRun trainer) => trainer.Progress += p =>
        {
            if (p.StepsThisSession == Warmup) { _firstStep = p.Step; _t0 = Stopwatch.GetTimestamp(); }
            _lastStep = p.Step;
            _t1 = Stopwatch.GetTimestamp();
        };

        public double? StepsPerSecond => _firstStep >= 0 && _lastStep > _firstStep
            ? (_lastStep - _firstStep) / Stopwatch.GetElapsedTime(_t0, _t1).TotalSeconds : null;
    }

    /// <summary>Rank 0's closing line: ranks, speed and the all-reduce's cost per step.</summary>
    public static void Summarize(TrainingRun trainer, MpiCommunicator communicator, Speed speed, Device device)
    {
        var c = CultureInfo.InvariantCulture;
        var o = trainer.Options;
        string rate = speed.StepsPerSecond is { } s ? s.ToString("F2", c) + " steps/s (after 3 warm-up steps)" : "too few steps to time";
        string line = $"distributed: {communicator.Size} rank(s) x batch {o.BatchSize} (global batch {communicator.Size * o.BatchSize}), " +
            $"each on {device.Name} ({device.Info.Description}), {rate}";
        if (trainer.AllReduce is { Averages: > 0 } g)
        {
            long steps = Math.Max(1, g.Averages / 2);   // one G and one D optimizer step per training step
            line += $"; gradient all-reduce per step: {g.Bytes / (double)steps / 1e6:F2} MB in {g.Calls / (double)steps:F1} call(s), " +
                $"{g.Seconds / steps * 1e3:F2} ms (+ {g.CopySeconds / steps * 1e3:F2} ms packing)";
        }
        Console.WriteLine(line);
    }
}
