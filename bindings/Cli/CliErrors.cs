using System.Text.Json;

namespace CoroNetGAN.Cli;

/// <summary>
/// The exit-code convention: 0 success, 2 bad input or usage (a message that names the file, key, shape or value),
/// 130 interrupted, 1 an internal error (one line; the stack trace only with <c>--verbose</c>).
/// </summary>
internal static class CliErrors
{
    public const int Ok = 0;
    public const int Internal = 1;
    public const int BadInput = 2;
    public const int Interrupted = 130;

    /// <summary>True for faults a user can cause by what they type or which files they give: each is exit 2.</summary>
    public static bool IsUserError(Exception e) => e is ArgumentException or IOException or InvalidDataException
        or UnauthorizedAccessException or JsonException or NotSupportedException or FormatException;

    /// <summary>Prints <paramref name="e"/> in the convention's form and returns its exit code.</summary>
    public static int Report(Exception e, bool verbose)
    {
        if (e is OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted.");
            return Interrupted;
        }
        if (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (verbose) Console.Error.WriteLine(e);
            return BadInput;
        }
        if (e is OutOfMemoryException)
        {
            Console.Error.WriteLine("error: out of memory; lower --size or --batch.");
            if (verbose) Console.Error.WriteLine(e);
            return Internal;
        }
        Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}" +
            (verbose ? "" : " (run again with --verbose for the stack trace, and please report it)"));
        if (verbose) Console.Error.WriteLine(e);
        return Internal;
    }
}
