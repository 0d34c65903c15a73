using System.Diagnostics;

namespace CoroNetGAN.Engine.Distributed;

/// <summary>
/// Ends a job whose collective has waited longer than <see cref="Limit"/>: a rank that hangs (stopped, deadlocked,
/// stuck on a filesystem) is never noticed by MPI itself, which leaves every other rank spinning in its all-reduce
/// forever. A background thread checks a few times per limit; the wait is measured only while a collective is in
/// progress, so long work that every rank does between collectives (the first step's kernel compilation, test
/// scoring) never trips it.
/// </summary>
public sealed class CollectiveWatchdog : IDisposable
{
    readonly Action<string> _onTimeout;
    readonly Thread _thread;
    readonly ManualResetEventSlim _stop = new();
    long _enteredTicks;         // 0: no collective in progress
    volatile string _what = "";
    int _fired;

    /// <summary>Starts watching; <paramref name="onTimeout"/> gets a message naming the collective and the wait, once.</summary>
    public CollectiveWatchdog(TimeSpan limit, Action<string> onTimeout)
    {
        if (limit <= TimeSpan.Zero) throw new ArgumentException($"the watchdog limit must be positive, got {limit.TotalSeconds} s.");
        Limit = limit;
        _onTimeout = onTimeout;
        _thread = new Thread(Watch) { IsBackground = true, Name = "coronetgan collective watchdog" };
        _thread.Start();
    }

    /// <summary>The longest a collective may wait.</summary>
    public TimeSpan Limit { get; }

    /// <summary>Whether the limit was exceeded (the timeout action has run or is running).</summary>
    public bool Fired => Volatile.Read(ref _fired) != 0;

    /// <summary>Marks the start of a collective named <paramref name="what"/>.</summary>
    public void Enter(string what)
    {
        _what = what;
        Volatile.Write(ref _enteredTicks, Math.Max(1, Stopwatch.GetTimestamp()));
    }

    /// <summary>Marks its end.</summary>
    public void Exit() => Volatile.Write(ref _enteredTicks, 0);

    void Watch()
    {
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(Limit.TotalMilliseconds / 4, 10, 1000));
        while (!_stop.Wait(poll))
        {
            long since = Volatile.Read(ref _enteredTicks);
            if (since == 0) continue;
            var waited = Stopwatch.GetElapsedTime(since);
            if (waited < Limit || Interlocked.Exchange(ref _fired, 1) != 0) continue;
            _onTimeout($"the {_what} has waited {waited.TotalSeconds:F0} s for the other ranks (watchdog limit {Limit.TotalSeconds:F0} s): " +
                "a rank has hung or died");
            return;
        }
    }

    /// <summary>Stops the thread.</summary>
    public void Dispose()
    {
        _stop.Set();
        if (Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(5));
    }
}
