using CoroNetGAN.Engine.Testing;
using SharpFuzz;

namespace CoroNetGAN.Fuzz;

/// <summary>
/// AFL++ harnesses for the readers of untrusted bytes (see FuzzTargets): <c>CoroNetGAN.Fuzz TARGET</c> runs under
/// afl-fuzz (input on stdin); <c>CoroNetGAN.Fuzz --seeds TARGET DIR</c> writes the starting corpus;
/// <c>CoroNetGAN.Fuzz --replay TARGET FILE...</c> runs saved inputs once each and prints what each throws.
/// An exception other than the documented ones is a crash for AFL.
/// </summary>
public static class Program
{
    // A copy of FuzzTargets.Names: instrumented engine code (even a static constructor) may only run inside
    // Fuzzer.OutOfProcess.Run, after AFL's shared memory is mapped, or it faults.
    static readonly string[] Targets = ["safetensors", "model", "checkpoint-state", "image"];

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "--seeds")
        {
            foreach (var f in FuzzSeeds.Write(args[1], args[2])) Console.WriteLine(f);
            return 0;
        }
        if (args.Length >= 3 && args[0] == "--replay")
        {
            int bad = 0;
            foreach (var f in args.Skip(2))
            {
                try { FuzzTargets.Run(args[1], f); Console.WriteLine($"{f}: accepted"); }
                catch (Exception e) when (FuzzTargets.IsDocumented(e)) { Console.WriteLine($"{f}: refused: {e.Message}"); }
                catch (Exception e) { bad++; Console.WriteLine($"{f}: CRASH {e}"); }
            }
            return bad == 0 ? 0 : 1;
        }
        if (args.Length != 1 || !Targets.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: CoroNetGAN.Fuzz TARGET | --seeds TARGET DIR | --replay TARGET FILE...; targets: {string.Join(", ", Targets)}");
            return 2;
        }
        string target = args[0];
        // The readers take paths: each input goes through one scratch file in memory-backed /dev/shm where present.
        string dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string path = Path.Combine(dir, $"coronetgan-fuzz-{Environment.ProcessId}.bin");
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using (var file = File.Create(path)) stream.CopyTo(file);
            try { FuzzTargets.Run(target, path); }
            catch (Exception e) when (FuzzTargets.IsDocumented(e)) { }
        });
        return 0;
    }
}
