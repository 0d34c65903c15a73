namespace CoroNetGAN.Engine.Serialization;

/// <summary>Writes files so that the target is either the old file or the complete new one, never a partial write.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a temporary file beside <paramref name="path"/>, flushes it to disk and
    /// renames it over the target; on any failure the temporary file is deleted and the target is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Cannot write {full}: folder {dir} does not exist.");
        // Same folder, so the rename stays on one file system and is atomic.
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
