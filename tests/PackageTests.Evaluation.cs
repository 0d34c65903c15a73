using System.IO.Compression;
using CoroNetGAN.Evaluation;

namespace CoroNetGAN.Tests;

public sealed partial class PackageTests
{
    /// <summary>
    /// An app that references the packed CoroNetGAN.Evaluation, and nothing else of ours, gets the ResNet-18 model files
    /// in its output (through the package's buildTransitive targets) and extracts features; our package itself carries
    /// neither the 64 MB model nor a copy of it.
    /// </summary>
    [Fact]
    public void AnAppReferencingThePackedEvaluationPackageGetsTheFeaturizerModels()
    {
        string repo = SharedFiles.RepoRoot;
        string src = Path.Combine(_root, "src"), packages = Path.Combine(_root, "packages"), app = Path.Combine(_root, "eval-app");
        foreach (var dir in new[] { "kernels", "engine", "bindings/CoroNetGAN", "bindings/Evaluation" }) CopyTree(Path.Combine(repo, dir), Path.Combine(src, dir));
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "LICENSE", "NOTICE", "README.md" })
            File.Copy(Path.Combine(repo, file), Path.Combine(src, file));
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";
        foreach (var project in new[] { "kernels/CoroNetGAN.Kernels.csproj", "engine/CoroNetGAN.Engine.csproj", "bindings/CoroNetGAN/CoroNetGAN.csproj", "bindings/Evaluation/CoroNetGAN.Evaluation.csproj" })
            Dotnet(src, "pack", project, "-c", "Release", "-o", packages, $"-p:Version={version}");

        string nupkg = Path.Combine(packages, $"CoroNetGAN.Evaluation.{version}.nupkg");
        Assert.True(new FileInfo(nupkg).Length < 1 << 20, $"{nupkg} is {new FileInfo(nupkg).Length} bytes: the model files must not be packed");
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("buildTransitive/CoroNetGAN.Evaluation.targets", names);
            Assert.Contains("build/CoroNetGAN.Evaluation.targets", names);
            Assert.DoesNotContain(names, n => n.EndsWith(".onnx", StringComparison.Ordinal));
        }

        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="local" value="{packages}" /></packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "eval-app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <RuntimeIdentifier>$(NETCoreSdkRuntimeIdentifier)</RuntimeIdentifier>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CoroNetGAN.Evaluation" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using CoroNetGAN.Evaluation;
            using SixLabors.ImageSharp;
            using SixLabors.ImageSharp.PixelFormats;
            using var features = ImageFeatures.Open();
            using var image = new Image<Rgb24>(48, 40, new Rgb24(200, 120, 40));
            Console.WriteLine($"features {features.Extract(image).Length} from {features.ModelDirectory}");
            """);
        string stdout = Dotnet(app, "run", "-c", "Release");
        Assert.Contains($"features {ImageFeatures.Dimension} from ", stdout);
        Assert.Contains(Path.Combine(app, "bin"), stdout);
    }
}
