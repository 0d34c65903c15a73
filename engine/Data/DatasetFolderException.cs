namespace CoroNetGAN;

/// <summary>A dataset folder that is missing, empty or not in the expected layout.</summary>
public sealed class DatasetFolderException : DirectoryNotFoundException
{
    /// <summary>Creates the exception for <paramref name="folder"/>.</summary>
    public DatasetFolderException(string folder, string message) : base(message) => Folder = folder;

    /// <summary>Full path of the folder concerned.</summary>
    public string Folder { get; }
}
