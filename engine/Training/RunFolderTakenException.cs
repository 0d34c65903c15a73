namespace CoroNetGAN;

/// <summary>
/// A new run's output folder (<see cref="TrainOptions.OutputDirectory"/>) already holds another run. The message
/// names the ways on in the API's terms; <see cref="Folder"/> and <see cref="Holds"/> let a front end name its own
/// options instead.
/// </summary>
/// <param name="folder">The folder's full path.</param>
/// <param name="holds">What it holds, in words (e.g. "a run (newest checkpoint checkpoint-00000002.safetensors; 5 files)").</param>
public sealed class RunFolderTakenException(string folder, string holds)
    : IOException($"{folder} already holds {holds}. Resume it to continue, overwrite it to delete it and start again, or choose another TrainOptions.OutputDirectory.")
{
    /// <summary>The folder's full path.</summary>
    public string Folder { get; } = folder;

    /// <summary>What the folder holds, in words.</summary>
    public string Holds { get; } = holds;
}
