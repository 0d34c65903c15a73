using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// The files a training run owns in its output folder, and the rules that keep one run from destroying another's:
/// a folder that holds a run is only continued (resume) or, when asked, cleared (overwrite); temporary files of an
/// interrupted write are removed once the folder is locked.
/// </summary>
public static partial class RunFolder
{
    /// <summary>Files directly in a run folder that belong to the run (besides <c>checkpoint-*.safetensors</c>).</summary>
    static readonly string[] RunFiles = ["history.json", "report.json", "plot.png", "compact.safetensors", "compact_BtoA.safetensors"];

    // AtomicFile's temporary name: ".NAME.<32 hex>.tmp".
    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryName();

    /// <summary>Throws <see cref="IOException"/> when <paramref name="directory"/> names a file, not a folder.</summary>
    public static void RequireFolder(string directory)
    {
        if (File.Exists(directory))
            throw new IOException($"TrainOptions.OutputDirectory '{Path.GetFullPath(directory)}' is a file; give a folder for the run's checkpoints, model and report.");
    }

    /// <summary>The run's files in <paramref name="directory"/>: checkpoints, history, report, plot, compact models and sample grids.</summary>
    public static IReadOnlyList<string> Files(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var files = new List<string>(Trainer.Checkpoints(directory));
        files.AddRange(RunFiles.Select(f => Path.Combine(directory, f)).Where(File.Exists));
        string samples = Path.Combine(directory, "samples");
        if (Directory.Exists(samples)) files.AddRange(Directory.GetFiles(samples, "step-*.png"));
        return files;
    }

    /// <summary>
    /// Makes <paramref name="directory"/> ready for a new run: refuses a folder that holds another run unless
    /// <paramref name="overwrite"/>, in which case that run's files (and only those) are deleted.
    /// </summary>
    /// <exception cref="RunFolderTakenException">The folder holds a run and <paramref name="overwrite"/> is false; the message lists what it holds and the ways on.</exception>
    /// <exception cref="IOException">The folder is a file.</exception>
    public static void PrepareNewRun(string directory, bool overwrite, Action<string>? log = null)
    {
        RequireFolder(directory);
        var files = Files(directory);
        if (files.Count == 0) return;
        string full = Path.GetFullPath(directory);
        if (!overwrite)
        {
            var checkpoints = Trainer.Checkpoints(directory);
            string what = checkpoints.Count > 0 ? $"a run (newest checkpoint {Path.GetFileName(checkpoints[^1])}; {files.Count} files)" : $"a finished or started run ({files.Count} files, e.g. {Path.GetFileName(files[0])})";
            throw new RunFolderTakenException(full, what);
        }
        foreach (var f in files) File.Delete(f);
        log?.Invoke($"overwrite: deleted the previous run's {files.Count} files in {full}");
    }

    /// <summary>Deletes temporary files an interrupted atomic write left in the run folder (call with the folder locked).</summary>
    /// <returns>The files deleted.</returns>
    public static IReadOnlyList<string> RemoveTemporaries(string directory, Action<string>? log = null)
    {
        var removed = new List<string>();
        foreach (string dir in new[] { directory, Path.Combine(directory, "samples") })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (string f in Directory.GetFiles(dir, ".*.tmp"))
                if (TemporaryName().IsMatch(Path.GetFileName(f)))
                {
                    File.Delete(f);
                    removed.Add(f);
                }
        }
        if (removed.Count > 0)
            log?.Invoke($"removed {removed.Count} temporary file(s) left by an interrupted write: {string.Join(", ", removed.Select(Path.GetFileName))}");
        return removed;
    }
}

/// <summary>Who holds a run folder's lock: written as JSON into the lock file.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Host">Machine name.</param>
/// <param name="Started">When the lock was taken (UTC).</param>
/// <param name="ProcessStarted">When the holding process started (UTC), to tell a reused pid from the holder.</param>
public sealed record RunLockHolder(int Pid, string Host, DateTime Started, DateTime? ProcessStarted)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"pid {Pid} on {Host}, since {Started.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";
}

/// <summary>Thrown when another live process trains in the folder; the message names it.</summary>
public sealed class RunLockedException(string message, RunLockHolder? holder) : IOException(message)
{
    /// <summary>The process that holds the folder, when its lock file could be read.</summary>
    public RunLockHolder? Holder { get; } = holder;
}

/// <summary>
/// A run folder's lock: the file <see cref="FileName"/> (pid, host, start time) exists while a process trains in the
/// folder. A second process is refused with the holder's name; the lock of a process that no longer runs (killed, or
/// the machine restarted) is taken over with a message. Dispose releases it.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside the run folder.</summary>
    public const string FileName = ".coronetgan-run.lock";

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    readonly string _path;
    bool _released;

    RunLock(string path, RunLockHolder holder)
    {
        _path = path;
        Holder = holder;
    }

    /// <summary>This process's entry in the lock file.</summary>
    public RunLockHolder Holder { get; }

    /// <summary>
    /// Locks <paramref name="directory"/> (created if missing) for this process, taking over a stale lock, then removes
    /// temporary files an interrupted write left there.
    /// </summary>
    /// <exception cref="RunLockedException">A live process (or one on another host, which cannot be checked) holds it.</exception>
    public static RunLock Acquire(string directory, Action<string>? log = null)
    {
        RunFolder.RequireFolder(directory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(Path.GetFullPath(directory), FileName);
        using var self = Process.GetCurrentProcess();
        var mine = new RunLockHolder(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, self.StartTime.ToUniversalTime());
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                // CreateNew is atomic: of two processes racing here exactly one creates the file.
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    JsonSerializer.Serialize(stream, mine, Json);
                    stream.Flush(flushToDisk: true);
                }
                var held = new RunLock(path, mine);
                RunFolder.RemoveTemporaries(directory, log);
                return held;
            }
            catch (IOException) when (File.Exists(path) && attempt < 5)
            {
                var holder = ReadHolder(path);
                if (holder == null)
                {
                    // Being written by its creator right now, or a torn write of a killed one: look again shortly.
                    if (attempt < 3) { Thread.Sleep(100); continue; }
                    log?.Invoke($"taking over the unreadable lock file {path}");
                    TryDelete(path);
                    continue;
                }
                if (IsAlive(holder))
                    throw new RunLockedException($"{Path.GetDirectoryName(path)} is in use by another training process: {holder} (lock file {path}). " +
                        (holder.Host == Environment.MachineName ? "Wait for it to finish, or train into another TrainOptions.OutputDirectory."
                            : "It runs on another machine, so it cannot be checked here; if it has stopped, delete the lock file."), holder);
                log?.Invoke($"taking over the lock of {holder}, which is no longer running (it was killed or crashed)");
                TryDelete(path);
            }
        }
    }

    static RunLockHolder? ReadHolder(string path)
    {
        try { return JsonSerializer.Deserialize<RunLockHolder>(File.ReadAllText(path), Json); }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException) { return null; }
    }

    static bool IsAlive(RunLockHolder holder)
    {
        if (holder.Host != Environment.MachineName) return true;
        try
        {
            using var p = Process.GetProcessById(holder.Pid);
            if (p.HasExited || IsZombie(holder.Pid)) return false;
            // A pid is reused after its process ends: a different start time means another process.
            return holder.ProcessStarted is not { } started || Math.Abs((p.StartTime.ToUniversalTime() - started).TotalSeconds) < 2;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
        catch (System.ComponentModel.Win32Exception) { return true; }
        catch (NotSupportedException) { return true; }
    }

    /// <summary>
    /// Whether Linux lists the process as exited but not yet reaped (state Z or X in /proc/PID/stat): a killed holder
    /// stays such for a moment, and .NET still reports it running.
    /// </summary>
    static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Releases the lock (deletes the lock file if it is still this process's).</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        var holder = ReadHolder(_path);
        if (holder == null || (holder.Pid == Holder.Pid && holder.Started == Holder.Started)) TryDelete(_path);
    }
}
