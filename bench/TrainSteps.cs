using System.Diagnostics;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>train-steps STEPS [plain|search] [cyclegan|pix2pix] [ab SWITCH | device NAME] [size N] [net resnet9|resnet6|unet]</c>: the real trainer on the embedded demo data (CycleGAN:
/// two ResNet-6 ngf 16 generators and two PatchGANs ndf 16 at 64x64 or N x N, batch 1; pix2pix: the demo's U-Net ngf 16 and
/// PatchGAN ndf 64), data loading included. Prints the median step time of the phase asked for, the device's
/// counters per step once the first steps have filled its pool (host syncs, pool hits and misses, other
/// allocations: issue 19.4), and the process's working set every tenth of the run, so a leak shows as a rising column.
/// <c>device NAME</c> trains on another device (<c>ilgpu-cpu</c>, <c>opencl</c>) instead of <c>cpu</c>.
/// </summary>
public static class TrainSteps
{
    /// <summary>
    /// The demo's recipe at 64x64 (CycleGAN: ResNet-6 ngf 16, PatchGAN ndf 16; pix2pix: U-Net ngf 16, PatchGAN ndf 64).
    /// The search is given the whole run and a target it cannot reach sooner, so every step is a search step.
    /// </summary>
    internal static TrainOptions Options(TrainMode m, int steps, string runDirectory, bool search, int size = 64, GeneratorArch? net = null) =>
        new(m, size, steps, runDirectory, Ngf: 16, Ndf: m == TrainMode.CycleGan ? 16 : 64,
            NetG: net ?? (m == TrainMode.CycleGan ? GeneratorArch.Resnet6 : null),
            Prune: search ? new PruneOptions(TargetRatio: 0.05, SearchShare: 1.0, CheckEvery: 25) : null, NoPrune: !search);

    public static void Run(int steps, bool search, string mode, string? ab = null, string? device = null, int size = 64, GeneratorArch? net = null)
    {
        string root = Path.Combine(Path.GetTempPath(), $"train-steps-{Guid.NewGuid():N}");
        var (devA, devB) = ab is null ? (device is null ? Device.Cpu : Device.Create(device), null) : AbSwitches.Devices(ab);
        // Steps before this one fill the pool and compile kernels; short runs (slow devices) skip fewer.
        int warmup = Math.Min(20, steps / 2);
        try
        {
            var m = mode == "pix2pix" ? TrainMode.Pix2Pix : TrainMode.CycleGan;
            string data = DemoData.Extract(TrainingRuns.ModeName(m), Path.Combine(root, "data"));
            var options = Options(m, steps, Path.Combine(root, "run"), search, size, net);
            using var trainer = TrainingRuns.Start(options, data, devA, loadSize: size);
            // A/B: a second trainer on device B, in lockstep with the first (each waits after its step until the
            // other has made one), so both see the same load; its own run directory, the same seeds and data.
            using var trainerB = devB is null ? null
                : TrainingRuns.Start(options with { OutputDirectory = Path.Combine(root, "run-b") }, data, devB, loadSize: size);
            var times = new List<double>();
            var timesB = new List<double>();
            var memory = new List<(long Step, long WorkingSet, long Managed, long Committed)>();
            using var self = Process.GetCurrentProcess();
            string phase = search ? Trainer.SearchPhase : Trainer.TrainPhase;
            using var turnA = new SemaphoreSlim(0);
            using var turnB = new SemaphoreSlim(0);
            var perStep = new List<DeviceCounters>();
            var last = devA.Counters;
            trainer.Progress += p =>
            {
                var now = devA.Counters;
                if (p.Step > warmup && p.Phase == phase)
                {
                    times.Add(p.StepSeconds * 1000);
                    perStep.Add(now.Since(last));
                }
                last = now;
                if (p.Step % Math.Max(1, steps / 10) == 0)
                {
                    self.Refresh();
                    memory.Add((p.Step, self.WorkingSet64, GC.GetTotalMemory(false), GC.GetGCMemoryInfo().TotalCommittedBytes));
                }
                if (trainerB != null) { turnB.Release(); turnA.Wait(); }
            };
            Thread? threadB = null;
            if (trainerB != null)
            {
                trainerB.Progress += p =>
                {
                    if (p.Step > warmup && p.Phase == phase) timesB.Add(p.StepSeconds * 1000);
                    turnA.Release();
                    turnB.Wait();
                };
                threadB = new Thread(() => { turnB.Wait(); trainerB.Run(); }) { IsBackground = true };
                threadB.Start();
            }
            var sw = Stopwatch.StartNew();
            var cpu0 = self.TotalProcessorTime;
            trainer.Run();
            // B's last step waits for a turn that never comes from A: give it one.
            turnB.Release();
            threadB?.Join();
            self.Refresh();
            // CPU time per step over the whole run (report and test scoring included): a check that does not depend
            // on what else the machine is running, unlike the wall-time medians.
            double cpuMs = (self.TotalProcessorTime - cpu0).TotalMilliseconds / steps;
            times.Sort();
            Console.WriteLine($"{mode} {(search ? "search" : "plain")} steps at {size}x{size} ({options.EffectiveNetG}, ngf 16, ndf {options.Ndf}) on {devA.Name}, batch 1, {Environment.ProcessorCount} cores: " +
                $"median {times[times.Count / 2]:F1} ms, p10 {times[times.Count / 10]:F1}, p90 {times[times.Count * 9 / 10]:F1} over {times.Count} steps; run {sw.Elapsed.TotalSeconds:F0} s, CPU time {cpuMs:F0} ms per step");
            PrintCounters(devA, perStep);
            if (trainerB != null)
            {
                timesB.Sort();
                Console.WriteLine($"A/B '{ab}': A (default) median {times[times.Count / 2]:F1} ms, B ({ab}) median {timesB[timesB.Count / 2]:F1} ms, B/A {timesB[timesB.Count / 2] / times[times.Count / 2]:F3}");
            }
            Console.WriteLine("step  working set MB  managed heap MB  GC committed MB");
            foreach (var (step, ws, managed, committed) in memory) Console.WriteLine($"{step,5}  {ws / 1048576.0,14:F1}  {managed / 1048576.0,15:F1}  {committed / 1048576.0,15:F1}");
            Console.WriteLine($"peak working set {self.PeakWorkingSet64 / 1048576.0:F1} MB");
        }
        finally
        {
            devB?.Dispose();
            devA.Dispose();
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One line of the device's counters per steady step (after the warm-up steps): the issue-19.4 row.</summary>
    internal static void PrintCounters(Device dev, IReadOnlyList<DeviceCounters> perStep)
    {
        if (perStep.Count == 0) return;
        var total = perStep.Aggregate((a, b) => new DeviceCounters(a.HostReads + b.HostReads, a.Syncs + b.Syncs, a.PoolHits + b.PoolHits,
            a.PoolMisses + b.PoolMisses, a.Allocations + b.Allocations));
        Console.WriteLine($"counters on {dev.Name} per steady step (over {perStep.Count} steps): syncs max {perStep.Max(c => c.Syncs)} " +
            $"(host reads max {perStep.Max(c => c.HostReads)}), pool {total.PoolHits / (double)perStep.Count:F0} hits / " +
            $"{total.PoolMisses / (double)perStep.Count:F1} misses per step, hit rate {total.PoolHitRate:P2}, other allocations {total.Allocations}; " +
            $"whole run: {dev.Counters}");
    }
}
