namespace CoroNetGAN.Tests;

/// <summary>
/// The devices the tests run on, opened once per name for the whole test run: every device
/// <see cref="Device.Available"/> lists (cpu, ilgpu-cpu, and any CUDA or OpenCL device), so the gradchecks run on
/// OpenCL too wherever an OpenCL device is present. A listed device that fails to open fails the tests.
/// The environment variable CORONETGAN_TEST_DEVICES (comma-separated, e.g. <c>opencl:0</c>) replaces the list after
/// cpu: CI's OpenCL pass uses it to run on cpu and PoCL only, and a name in it that is absent fails the tests.
/// Tests that loop over the devices themselves (rather than taking one per theory row) carry
/// <c>[Trait(TestDevices.Trait, TestDevices.Every)]</c>, so that pass can select them (<c>--filter "DisplayName~opencl:|Devices=every"</c>).
/// </summary>
/// <remarks>Named TestDevices, not Devices, so it never shadows the public <c>CoroNetGAN.Devices</c> API.</remarks>
public static class TestDevices
{
    /// <summary>The environment variable that replaces the devices after cpu.</summary>
    public const string Variable = "CORONETGAN_TEST_DEVICES";

    /// <summary>Trait name and value of a Fact that loops over every test device: [Trait(TestDevices.Trait, TestDevices.Every)].</summary>
    public const string Trait = "Devices", Every = "every";

    static readonly object Gate = new();
    static readonly Dictionary<string, Device> Opened = new(StringComparer.Ordinal);
    static List<string>? s_names;

    /// <summary>cpu first, then every other device of this machine.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
            {
                if (s_names != null) return s_names;
                var names = Listed();
                foreach (var n in names) Get(n);
                return s_names = names;
            }
        }
    }

    /// <summary>The same list as <see cref="Names"/> (kept for the realistic-size agreement tests).</summary>
    public static IReadOnlyList<string> AllNames => Names;

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

    static List<string> Listed()
    {
        string? chosen = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(chosen)) return Device.Available().Select(d => d.Name).ToList();
        var names = new List<string> { "cpu" };
        foreach (var n in chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!names.Contains(n)) names.Add(n);
        return names;
    }
}
