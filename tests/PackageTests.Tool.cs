using System.IO.Compression;

namespace CoroNetGAN.Tests;

public sealed partial class PackageTests
{
    /// <summary>
    /// The command line's tool package carries the assemblies the app-facing packages leave out (the demo images, the
    /// parity and benchmark tooling) and works once installed: the demo extracts its embedded data and trains, and the
    /// quick benchmark runs.
    /// </summary>
    [Fact]
    public void TheToolPackageInstallsWithItsDemoDataAndTooling()
    {
        string repo = SharedFiles.RepoRoot;
        string src = Path.Combine(_root, "src"), packages = Path.Combine(_root, "packages"), tools = Path.Combine(_root, "tools");
        foreach (var dir in new[] { "kernels", "engine", "bindings", "data" }) CopyTree(Path.Combine(repo, dir), Path.Combine(src, dir));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "LICENSE", "NOTICE", "README.md" })
            File.Copy(Path.Combine(repo, file), Path.Combine(src, file));
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";
        Dotnet(src, "pack", "bindings/Cli/CoroNetGAN.Cli.csproj", "-c", "Release", "-o", packages, $"-p:Version={version}");

        string nupkg = Path.Combine(packages, $"CoroNetGAN.Cli.{version}.nupkg");
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (var dll in new[] { "coronetgan", "CoroNetGAN.Bindings", "CoroNetGAN.DemoData", "CoroNetGAN.Tooling" })
                Assert.Contains($"tools/net10.0/any/{dll}.dll", names);
        }
        // A tool package carries its dependencies; the install unpacks it into the tool path's own store.
        Dotnet(_root, ownPackagesFolder: false, "tool", "install", "CoroNetGAN.Cli", "--tool-path", tools, "--add-source", packages, "--version", version);
        string exe = Path.Combine(tools, OperatingSystem.IsWindows() ? "coronetgan.exe" : "coronetgan");

        string demo = Run(exe, "demo", "--steps", "2", "--no-baseline", "--device", "cpu", "--out", Path.Combine(_root, "demo"));
        Assert.Contains("demo finished", demo);
        // The embedded pix2pix set, written out: 400 training and 80 test pairs.
        Assert.Equal(480, Directory.GetFiles(Path.Combine(_root, "demo", "data", "openmoji-pairs"), "*.png", SearchOption.AllDirectories).Length);
        Assert.True(File.Exists(Path.Combine(_root, "demo", "run", "compact.safetensors")));

        string bench = Run(exe, "bench", "--arch", "resnet6", "--ngf", "4", "--size", "32", "--iters", "1", "--device", "cpu", "--json");
        Assert.Contains("\"medianMs\"", bench);
    }

    /// <summary>Runs an installed tool; fails the test with its output unless it exits 0.</summary>
    static string Run(string exe, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8))) { p.Kill(entireProcessTree: true); Assert.Fail($"{exe} {string.Join(' ', args)} timed out"); }
        Assert.True(p.ExitCode == 0, $"{exe} {string.Join(' ', args)} exited {p.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
