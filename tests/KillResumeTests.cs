using System.Diagnostics;
using System.Text;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// The built command line, training in a child process, is killed with SIGKILL at three random moments and resumed
/// each time: the final weights equal an uninterrupted run's bit for bit, and no temporary file is left behind.
/// </summary>
public class KillResumeTests
{
    static ProcessStartInfo Cli(IEnumerable<string> args)
    {
        string dir = AppContext.BaseDirectory;
        string host = Path.Combine(dir, OperatingSystem.IsWindows() ? "coronetgan.exe" : "coronetgan");
        var psi = File.Exists(host) ? new ProcessStartInfo(host) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(dir, "coronetgan.dll") } };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        return psi;
    }

    static Process Start(IEnumerable<string> args, StringBuilder log)
    {
        var p = new Process { StartInfo = Cli(args) };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    static void RunToEnd(IEnumerable<string> args, StringBuilder log)
    {
        using var p = Start(args, log);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the child did not finish:\n" + log);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}:\n{log}");
    }

    static Dictionary<string, byte[]> Tensors(string file)
    {
        var f = SafeTensorsFile.Read(file);
        return f.Names.ToDictionary(n => n, n => f[n].Bytes.ToArray(), StringComparer.Ordinal);
    }

    [Fact]
    public void SigkillAtThreeRandomMomentsThenResumeEqualsAnUninterruptedRun()
    {
        using var tmp = new GoldenCases.TempDir();
        string data = DemoData.Extract("pix2pix", tmp.File("data"));
        string[] Args(string run, bool resume) => ["train", "--mode", "pix2pix", "--data", data, "--out", run, "--size", "32", "--ngf", "4",
            "--ndf", "8", "--steps", "40", "--target-ratio", "0.5", "--checkpoint-every", "2", "--sample-every", "0", "--device", "cpu",
            .. resume ? new[] { "--resume" } : []];

        var log = new StringBuilder();
        string reference = tmp.File("reference");
        RunToEnd(Args(reference, false), log);

        string run = tmp.File("killed");
        var random = new Random(15);
        int kills = 0;
        for (int round = 0; round < 3; round++)
        {
            using var p = Start(Args(run, resume: round > 0), log);
            // Wait for a checkpoint of this process (the first round has none to resume from before that), then a random moment.
            int before = round == 0 ? 0 : Trainer.Checkpoints(run).Count;
            var watch = Stopwatch.StartNew();
            while (!p.HasExited && Trainer.Checkpoints(run).Count == 0 && watch.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
            Thread.Sleep(random.Next(0, 400));
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);   // SIGKILL on Unix: no handler, no checkpoint, no cleanup
                kills++;
            }
            p.WaitForExit();
            lock (log) log.AppendLine($"--- round {round}: {(p.ExitCode == 0 ? "finished before the kill" : "killed")} ({before} checkpoints before)");
        }
        RunToEnd(Args(run, resume: true), log);

        Assert.True(kills >= 2, $"only {kills} of 3 kills landed while training; the run is too short:\n{log}");
        var expected = Tensors(Path.Combine(reference, "compact.safetensors"));
        var actual = Tensors(Path.Combine(run, "compact.safetensors"));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, v) in expected) Assert.True(v.AsSpan().SequenceEqual(actual[k]), $"tensor {k} differs after kill and resume\n{log}");
        var refCkpt = Tensors(Trainer.Checkpoints(reference)[^1]);
        var runCkpt = Tensors(Trainer.Checkpoints(run)[^1]);
        foreach (var (k, v) in refCkpt) Assert.True(v.AsSpan().SequenceEqual(runCkpt[k]), $"checkpoint tensor {k} differs\n{log}");
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));
    }
}
