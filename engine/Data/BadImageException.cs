namespace CoroNetGAN;

/// <summary>An image file that cannot be used: unreadable, truncated, not an image, or over the decoder limits.</summary>
public sealed class BadImageException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>, saying <paramref name="reason"/>.</summary>
    public BadImageException(string path, string reason, Exception? inner = null)
        : base($"Bad image {path}: {reason}", inner)
    {
        FilePath = path;
        Reason = reason;
    }

    /// <summary>Full path of the offending file.</summary>
    public string FilePath { get; }

    /// <summary>Why the file was refused.</summary>
    public string Reason { get; }
}
