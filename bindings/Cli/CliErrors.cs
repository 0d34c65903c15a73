using System.Text.Json;

namespace CoroNetGAN.Cli;

/// <summary>
/// The exit-code convention: 0 success, 2 bad input or usage (a message that names the file, key, shape or value),
/// 130 interrupted, 1 an internal error (one line; the stack trace only with <c>--verbose</c>).
/// </summary>
public static class CliErrors
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>An internal error: a bug to report.</summary>
    public const int Internal = 1;
    /// <summary>Bad input or usage: the message says what and how to fix it.</summary>
    public const int BadInput = 2;
    /// <summary>Interrupted (Ctrl+C); a training run checkpoints first.</summary>
    public const int Interrupted = 130;

    /// <summary>True for faults a user can cause by what they type or which files they give: each is exit 2.</summary>
    public static bool IsUserError(Exception e) => e is ArgumentException or IOException or InvalidDataException
        or UnauthorizedAccessException or JsonException or NotSupportedException or FormatException;

    /// <summary>
    /// A user error's message as the command line shows it: options named by their flags (<see cref="OptionFlags"/>),
    /// without the "(Parameter 'x')" ArgumentException appends (the name of a C# parameter the user never saw).
    /// </summary>
    public static string Message(Exception e)
    {
        string message = e switch
        {
            ArgumentException { ParamName: { } p } => e.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal),
            // The engine names the API's ways on (resume, overwrite); the command line names its flags.
            RunFolderTakenException t => $"{t.Folder} already holds {t.Holds}. Add --resume to continue it, --overwrite to delete it and start again, or choose another --out.",
            _ => e.Message,
        };
        return OptionFlags.Rewrite(message);
    }

    /// <summary>Prints <paramref name="e"/> in the convention's form and returns its exit code.</summary>
    public static int Report(Exception e, bool verbose) => ReportTo(e, verbose, Console.Error);

    /// <summary>Writes <paramref name="e"/> in the convention's form to <paramref name="error"/> and returns its exit code.</summary>
    public static int ReportTo(Exception e, bool verbose, TextWriter error)
    {
        if (e is OperationCanceledException)
        {
            error.WriteLine("interrupted.");
            return Interrupted;
        }
        if (IsUserError(e))
        {
            error.WriteLine($"error: {Message(e)}");
            if (verbose) error.WriteLine(e);
            return BadInput;
        }
        if (e is OutOfMemoryException)
        {
            error.WriteLine("error: out of memory; lower --size or --batch.");
            if (verbose) error.WriteLine(e);
            return Internal;
        }
        error.WriteLine($"internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}" +
            (verbose ? "" : " (run again with --verbose for the stack trace, and please report it)"));
        if (verbose) error.WriteLine(e);
        return Internal;
    }
}
