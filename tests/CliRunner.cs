namespace CoroNetGAN.Tests;

/// <summary>Runs the coronetgan command line in-process, capturing what it prints.</summary>
public static class CliRunner
{
    /// <summary>The exit code and the text written to standard output and standard error.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (CoroNetGAN.Cli.Program.Main(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }
}
