using System.Text.Json;

namespace CoroNetGAN.Tests;

/// <summary>The case folders of ../shared/golden and the facts about them the tests need.</summary>
public static class GoldenCases
{
    /// <summary>Every case listed in golden/index.json.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedFiles.Path("golden/index.json")));
            return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("case").GetString()!).ToList();
        }
    }

    /// <summary>The cases built from the reference models (ResNet, U-Net, PatchGAN).</summary>
    public static readonly string[] Models = ["resnet9_ngf8", "unet6_ngf8_bn", "patchgan_ndf8_in", "patchgan_ndf8_bn_nc6"];

    /// <summary>Full path of a case folder.</summary>
    public static string Dir(string name) => SharedFiles.Path("golden/" + name);

    /// <summary>The case's weight keys in the order case.json lists them (PyTorch's state_dict order).</summary>
    public static List<string> WeightKeys(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir(name), "case.json")));
        return doc.RootElement.GetProperty("weights").EnumerateArray().Select(w => w.GetProperty("key").GetString()!).ToList();
    }

    /// <summary>A fresh empty folder under the system temp folder, deleted when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        /// <summary>Creates the folder.</summary>
        public TempDir() => Directory.CreateDirectory(Path);

        /// <summary>The folder.</summary>
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "coronetgan-test-" + Guid.NewGuid().ToString("N"));

        /// <summary>A path inside the folder.</summary>
        public string File(string name) => System.IO.Path.Combine(Path, name);

        /// <inheritdoc />
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
