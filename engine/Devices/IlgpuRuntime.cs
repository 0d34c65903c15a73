using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CoroNetGAN.Engine.Devices;

/// <summary>
/// The one ILGPU context of the process, created on first use, and the discovery of its accelerators.
/// </summary>
internal static class IlgpuRuntime
{
    static readonly object Lock = new();
    static Context? s_context;
    static string? s_error;

    /// <summary>The shared context, or null when ILGPU could not start (the reason is in <see cref="Error"/>).</summary>
    public static Context? Context
    {
        get
        {
            lock (Lock)
            {
                if (s_context != null || s_error != null) return s_context;
                try
                {
                    ResolveOpenCl();
                    s_context = ILGPU.Context.Create(b => b.Default().EnableAlgorithms());
                }
                catch (Exception e)
                {
                    s_error = $"{e.GetType().Name}: {e.Message}";
                }
                return s_context;
            }
        }
    }

    public static string? Error => s_error;

    /// <summary>
    /// ILGPU asks the loader for "OpenCL", which .NET maps to libOpenCL.so, a name only the -dev package provides;
    /// the ICD loader every OpenCL runtime installs is libOpenCL.so.1, so map the name to it here.
    /// </summary>
    static void ResolveOpenCl()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(ILGPU.Context).Assembly, (name, asm, path) =>
            {
                if (name != "OpenCL") return IntPtr.Zero;
                foreach (var candidate in new[] { "libOpenCL.so.1", "libOpenCL.so", "OpenCL" })
                    if (NativeLibrary.TryLoad(candidate, asm, path, out var handle)) return handle;
                return IntPtr.Zero;
            });
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set for ILGPU's assembly (by the host app); keep theirs.
        }
    }

    /// <summary>The ILGPU devices by our names: ilgpu-cpu, cuda:i, opencl:i.</summary>
    public static List<(DeviceInfo Info, ILGPU.Runtime.Device Device)> Enumerate()
    {
        var list = new List<(DeviceInfo, ILGPU.Runtime.Device)>();
        var ctx = Context;
        if (ctx == null) return list;
        var cpu = ctx.GetCPUDevices();
        if (cpu.Count > 0)
            list.Add((new DeviceInfo("ilgpu-cpu", DeviceKind.IlgpuCpu, "ILGPU CPU accelerator (thread emulation; for checking kernels)", false), cpu[0]));
        int i = 0;
        foreach (var d in ctx.GetCudaDevices())
            list.Add((new DeviceInfo($"cuda:{i++}", DeviceKind.Cuda, $"{d.Name}, {d.MemorySize >> 20} MiB", true), d));
        i = 0;
        foreach (var d in ctx.GetCLDevices())
        {
            bool gpu = d.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU;
            list.Add((new DeviceInfo($"opencl:{i++}", DeviceKind.OpenCL, $"{d.Name} ({(gpu ? "GPU" : d.DeviceType.ToString())}, {d.MemorySize >> 20} MiB)", gpu), d));
        }
        return list;
    }

    public static Accelerator CreateAccelerator(ILGPU.Runtime.Device device) => device.CreateAccelerator(Context!);
}
