using System.CommandLine;
using System.Text.Json;
using CoroNetGAN;

namespace CoroNetGAN.Cli;

/// <summary><c>coronetgan devices</c>: what this machine can run on.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the list as JSON." };
        var open = new Option<string?>("--device") { Description = "Open this device (auto, cpu, ilgpu-cpu, cuda, opencl, cuda:N, opencl:N) and report which one it is." };
        var cmd = new Command("devices", "List the compute devices on this machine.") { json, open };
        cmd.SetAction(parse =>
        {
            string? name = parse.GetValue(open);
            if (name != null)
            {
                try
                {
                    using var device = Devices.Open(name);
                    Console.WriteLine($"{name} -> {device.Name}: {device.Info.Description}");
                    return 0;
                }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return 2;
                }
            }
            var list = Devices.List();
            if (parse.GetValue(json))
            {
                var rows = list.Select(d => new { name = d.Name, kind = d.Kind.ToString(), gpu = d.IsGpu, description = d.Description });
                Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            int width = list.Max(d => d.Name.Length);
            foreach (var d in list) Console.WriteLine($"{d.Name.PadRight(width)}  {d.Description}");
            Console.WriteLine($"auto -> {AutoName(list)}");
            return 0;
        });
        return cmd;
    }

    static string AutoName(IReadOnlyList<DeviceInfo> list) =>
        list.FirstOrDefault(d => d.Kind == DeviceKind.Cuda)?.Name
        ?? list.FirstOrDefault(d => d.Kind == DeviceKind.OpenCL && d.IsGpu)?.Name
        ?? "cpu";
}
