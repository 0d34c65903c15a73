namespace CoroNetGAN.Tests;

/// <summary>Locates ../shared (reference tables, golden tensors) beside the repository checkout.</summary>
public static class SharedFiles
{
    /// <summary>The repository root: the folder holding CoroNetGAN.Engine.sln above the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "CoroNetGAN.Engine.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException($"CoroNetGAN.Engine.sln not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Full path of <paramref name="relative"/> inside ../shared; the file must exist.</summary>
    public static string Path(string relative)
    {
        string p = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", relative));
        if (!File.Exists(p) && !Directory.Exists(p))
            throw new FileNotFoundException($"Reference file {p} is missing: the tests expect ../shared beside the checkout.", p);
        return p;
    }
}
