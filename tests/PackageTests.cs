using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CoroNetGAN.Tests;

/// <summary>
/// `dotnet pack` makes installable packages, and the sample app in README.md, built from them exactly as written,
/// translates an image as the engine does. Packs a copy of the sources (so the checkout's obj/ keeps its own build)
/// under a version unique to this run (NuGet's cache keeps the first package it sees of a version).
/// </summary>
public sealed partial class PackageTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); }
        catch (IOException) { } // a build server may still hold a file; the temp folder is the OS's to clean
    }

    [Fact]
    public void TheReadmeSampleBuildsFromPackedPackagesAndTranslates()
    {
        string repo = SharedFiles.RepoRoot;
        string src = Path.Combine(_root, "src"), packages = Path.Combine(_root, "packages"), app = Path.Combine(_root, "translate-app");
        // Without data/: the demo images live in CoroNetGAN.DemoData, which the app-facing packages do not reference.
        foreach (var dir in new[] { "kernels", "engine", "bindings/CoroNetGAN" }) CopyTree(Path.Combine(repo, dir), Path.Combine(src, dir));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "LICENSE", "NOTICE", "README.md" })
            File.Copy(Path.Combine(repo, file), Path.Combine(src, file));
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";

        foreach (var project in new[] { "kernels/CoroNetGAN.Kernels.csproj", "engine/CoroNetGAN.Engine.csproj", "bindings/CoroNetGAN/CoroNetGAN.csproj" })
            Dotnet(src, "pack", project, "-c", "Release", "-o", packages, $"-p:Version={version}");
        foreach (var id in new[] { "CoroNetGAN.Kernels", "CoroNetGAN.Engine", "CoroNetGAN" })
        {
            string nupkg = Path.Combine(packages, $"{id}.{version}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} was not made");
            using var zip = ZipFile.OpenRead(nupkg);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", names);
            Assert.Contains("LICENSE", names);
            Assert.Contains("NOTICE", names);
            Assert.Contains($"lib/net10.0/{(id == "CoroNetGAN" ? "CoroNetGAN.Bindings" : id)}.dll", names);
            Assert.Contains($"lib/net10.0/{(id == "CoroNetGAN" ? "CoroNetGAN.Bindings" : id)}.xml", names);
        }
        // The API's package carries the plots' fonts, not the demo's images nor the command line's tooling.
        using (var zip = ZipFile.OpenRead(Path.Combine(packages, $"CoroNetGAN.{version}.nupkg")))
        {
            var dll = zip.GetEntry("lib/net10.0/CoroNetGAN.Bindings.dll")!;
            Assert.True(dll.Length < 3 << 20, $"CoroNetGAN.Bindings.dll is {dll.Length} bytes: the demo images must not be in it");
            using var copy = new MemoryStream();
            using (var s = dll.Open()) s.CopyTo(copy);
            var (resources, types) = ResourcesAndTypes(copy.ToArray());
            Assert.Contains("fonts/DejaVuSans.ttf", resources);
            Assert.DoesNotContain(resources, r => r.StartsWith("demo/", StringComparison.Ordinal));
            Assert.DoesNotContain(types, t => t is "CoroNetGAN.DemoData" or "CoroNetGAN.Parity" or "CoroNetGAN.QuickBench" || t.StartsWith("CoroNetGAN.Tooling.", StringComparison.Ordinal));
        }

        // The README's two files, verbatim but for the version.
        string readme = File.ReadAllText(Path.Combine(repo, "README.md"));
        Directory.CreateDirectory(app);
        string csproj = Sample(readme, "translate-app/translate-app.csproj");
        Assert.Contains("Version=\"0.1.0\"", csproj);
        File.WriteAllText(Path.Combine(app, "translate-app.csproj"), csproj.Replace("Version=\"0.1.0\"", $"Version=\"{version}\""));
        File.WriteAllText(Path.Combine(app, "Program.cs"), Sample(readme, "translate-app/Program.cs"));

        var r = new Random(TestRandom.Seed(nameof(TheReadmeSampleBuildsFromPackedPackagesAndTranslates)));
        string model = Path.Combine(_root, "compact.safetensors"), input = Path.Combine(_root, "face.png"), output = Path.Combine(_root, "face-colour.png");
        using (var g = new ResnetGenerator(new ResnetGeneratorConfig(Ngf: 4, Blocks: 6, Widths: [3, 5, 7, 6, 2, 7, 4, 5, 7, 6, 3]), Device.Cpu, r.Next()))
            Interchange.SaveModel(g, model, imageSize: 32);
        DataTestFolders.WritePng(input, 40, 30, (x, y) => new Rgb24((byte)r.Next(256), (byte)(x * 6), (byte)(y * 8)));

        string stdout = Dotnet(app, "run", "-c", "Release", "--", model, input, output);
        Assert.Contains("wrote", stdout);
        using var written = Image.Load<Rgb24>(output);
        using var source = Image.Load<Rgb24>(input);
        using var generator = Generator.Load(model, "cpu");
        using var expected = generator.Translate(source, keepSize: true);
        Assert.Equal((40, 30), (written.Width, written.Height));
        // The app runs on "auto": on a GPU machine its float sums may round a pixel differently, never by much.
        int worst = 0;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 40; x++)
            {
                Rgb24 p = written[x, y], q = expected[x, y];
                worst = Math.Max(worst, Math.Max(Math.Abs(p.R - q.R), Math.Max(Math.Abs(p.G - q.G), Math.Abs(p.B - q.B))));
            }
        Assert.True(worst <= 2, $"the sample app's output differs from Generator.Translate by {worst} levels");
    }

    /// <summary>The manifest resource names and the full names of the types an assembly image defines.</summary>
    static (List<string> Resources, List<string> Types) ResourcesAndTypes(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        var md = pe.GetMetadataReader();
        var resources = md.ManifestResources.Select(h => md.GetString(md.GetManifestResource(h).Name)).ToList();
        var types = md.TypeDefinitions.Select(h => md.GetTypeDefinition(h)).Select(t => $"{md.GetString(t.Namespace)}.{md.GetString(t.Name)}").ToList();
        return (resources, types);
    }

    /// <summary>The fenced block after <c>&lt;!-- sample: NAME --&gt;</c> in the README.</summary>
    static string Sample(string readme, string name)
    {
        var m = Regex.Match(readme, $@"<!-- sample: {Regex.Escape(name)} -->\s*```[a-z]*\n(.*?)```", RegexOptions.Singleline);
        Assert.True(m.Success, $"README.md has no sample block named {name}");
        return m.Groups[1].Value;
    }

    static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from))
            if (Path.GetFileName(d) is not ("bin" or "obj")) CopyTree(d, Path.Combine(to, Path.GetFileName(d)));
    }

    /// <summary>Runs the dotnet CLI in <paramref name="dir"/>; fails the test with its output unless it exits 0.</summary>
    static string Dotnet(string dir, params string[] args) => Dotnet(dir, ownPackagesFolder: true, args);

    /// <summary>Runs the dotnet CLI in <paramref name="dir"/>, restoring into a packages folder of this run when
    /// <paramref name="ownPackagesFolder"/> (not for `dotnet tool install`, which keeps the tool in its own store).</summary>
    static string Dotnet(string dir, bool ownPackagesFolder, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The test host's MSBuild variables would point the child at this build; the packages it restores go to a
        // folder of this run, with the user's cache as a read-only fallback (ILGPU and ImageSharp need no download).
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
            psi.Environment.Remove(key);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (ownPackagesFolder)
        {
            psi.Environment["RestorePackagesPath"] = Path.Combine(Path.GetDirectoryName(dir)!, "nuget-cache");
            psi.Environment["RestoreFallbackFolders"] = cache;
            psi.Environment.Remove("NUGET_PACKAGES");
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8))) { p.Kill(entireProcessTree: true); Assert.Fail($"dotnet {string.Join(' ', args)} timed out"); }
        Assert.True(p.ExitCode == 0, $"dotnet {string.Join(' ', args)} in {dir} exited {p.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
