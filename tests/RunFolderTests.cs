using CoroNetGAN.Cli;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// A run folder that is a file or holds another run: the engine's message names the API's terms
/// (<see cref="TrainOptions.OutputDirectory"/>, resume, overwrite), the command line's names its flags.
/// </summary>
public sealed class RunFolderTests : IDisposable
{
    readonly DataTestFolders _folders = new();

    /// <inheritdoc/>
    public void Dispose() => _folders.Dispose();

    [Fact]
    public void AFileIsRefusedByItsPropertyAndShownByItsFlag()
    {
        string file = Path.Combine(_folders.Root, "g.safetensors");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<IOException>(() => RunFolder.RequireFolder(file));
        Assert.StartsWith($"TrainOptions.OutputDirectory '{Path.GetFullPath(file)}' is a file", e.Message);
        Assert.StartsWith($"--out '{Path.GetFullPath(file)}' is a file", CliErrors.Message(e));
    }

    [Fact]
    public void AFolderHoldingARunIsRefusedWithTheWaysOnOrClearedOnOverwrite()
    {
        string run = _folders.Dir("run");
        File.WriteAllText(Path.Combine(run, "history.json"), "{}");
        File.WriteAllText(Path.Combine(run, "notes.txt"), "mine");
        var e = Assert.Throws<RunFolderTakenException>(() => RunFolder.PrepareNewRun(run, overwrite: false));
        Assert.Equal(Path.GetFullPath(run), e.Folder);
        Assert.Equal("a finished or started run (1 files, e.g. history.json)", e.Holds);
        Assert.EndsWith("Resume it to continue, overwrite it to delete it and start again, or choose another TrainOptions.OutputDirectory.", e.Message);
        Assert.Equal($"{Path.GetFullPath(run)} already holds {e.Holds}. Add --resume to continue it, --overwrite to delete it and start again, or choose another --out.",
            CliErrors.Message(e));

        var log = new List<string>();
        RunFolder.PrepareNewRun(run, overwrite: true, log.Add);
        Assert.False(File.Exists(Path.Combine(run, "history.json")));
        Assert.True(File.Exists(Path.Combine(run, "notes.txt")));
        Assert.Equal([$"overwrite: deleted the previous run's 1 files in {Path.GetFullPath(run)}"], log);
    }
}
