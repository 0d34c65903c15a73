namespace CoroNetGAN.Tests;

/// <summary>
/// The devices the tests run on, opened once per name for the whole test run. <see cref="Names"/> is <c>cpu</c>,
/// plus <c>ilgpu-cpu</c> when <see cref="Device.Available"/> lists it and opening it does not throw
/// <see cref="NotImplementedException"/> (a backend still being written). <see cref="AllNames"/> adds every other
/// device the machine offers (CUDA, OpenCL) under the same rule, for the realistic-size agreement tests.
/// </summary>
/// <remarks>Named TestDevices, not Devices, so it never shadows the public <c>CoroNetGAN.Devices</c> API.</remarks>
public static class TestDevices
{
    static readonly object Gate = new();
    static readonly Dictionary<string, Device> Opened = new(StringComparer.Ordinal);
    static List<string>? s_names, s_all;

    /// <summary>cpu, and ilgpu-cpu when it is present and implemented.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
            {
                if (s_names != null) return s_names;
                var names = new List<string> { "cpu" };
                if (Listed().Contains("ilgpu-cpu") && TryOpen("ilgpu-cpu")) names.Add("ilgpu-cpu");
                return s_names = names;
            }
        }
    }

    /// <summary><see cref="Names"/> plus every other listed device that opens (cuda:N, opencl:N).</summary>
    public static IReadOnlyList<string> AllNames
    {
        get
        {
            lock (Gate)
            {
                if (s_all != null) return s_all;
                var all = new List<string>(Names);
                foreach (var name in Listed())
                    if (!all.Contains(name) && name != "ilgpu-cpu" && TryOpen(name)) all.Add(name);
                return s_all = all;
            }
        }
    }

    /// <summary>Theory rows: one per name in <see cref="Names"/>.</summary>
    public static IEnumerable<object[]> Each => Names.Select(n => new object[] { n });

    /// <summary>Theory rows: one per name in <see cref="AllNames"/>.</summary>
    public static IEnumerable<object[]> EachAvailable => AllNames.Select(n => new object[] { n });

    /// <summary>Theory rows: every device of <see cref="Names"/> with every case (the device comes first).</summary>
    public static IEnumerable<object[]> Cross(params object[][] cases) =>
        from n in Names from c in cases select new object[] { n }.Concat(c).ToArray();

    /// <summary>The device of that name, opened on first use and kept for the run.</summary>
    public static Device Get(string name)
    {
        if (name == "cpu") return Device.Cpu;
        lock (Gate)
        {
            if (!Opened.TryGetValue(name, out var d)) Opened[name] = d = Device.Create(name);
            return d;
        }
    }

    /// <summary>
    /// A second device distinct from <see cref="Device.Cpu"/>: the first other test device when there is one,
    /// else a second CPU device built through Device's private constructor (only tests need two CPU devices).
    /// </summary>
    public static Device Other()
    {
        var other = Names.FirstOrDefault(n => n != "cpu");
        if (other != null) return Get(other);
        lock (Gate)
        {
            if (Opened.TryGetValue("cpu-second", out var d)) return d;
            var ctor = typeof(Device).GetConstructor(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic,
                [typeof(DeviceInfo), typeof(IBackend), typeof(IDisposable)])
                ?? throw new InvalidOperationException("Device's (DeviceInfo, IBackend, IDisposable) constructor is gone; update TestDevices.Other.");
            d = (Device)ctor.Invoke([new DeviceInfo("cpu-second", DeviceKind.Cpu, "a second CPU device for tests", false), new CpuBackend(), null]);
            Opened["cpu-second"] = d;
            return d;
        }
    }

    static List<string> Listed() => Device.Available().Select(d => d.Name).ToList();

    static bool TryOpen(string name)
    {
        try { Get(name); return true; }
        catch (NotImplementedException) { return false; }
    }
}
