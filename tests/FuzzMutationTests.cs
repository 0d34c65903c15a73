using System.Diagnostics;
using System.Text;
using CoroNetGAN.Engine.Testing;

namespace CoroNetGAN.Tests;

/// <summary>
/// A seeded mutation campaign in the normal suite: thousands of byte flips, truncations and insertions of valid files
/// for every reader of untrusted bytes; only the documented exceptions may come out. (tools/fuzz runs the same readers
/// under AFL++ for longer.)
/// </summary>
public class FuzzMutationTests
{
    [Theory]
    [InlineData("safetensors", 2500)]
    [InlineData("model", 600)]
    [InlineData("checkpoint-state", 3000)]
    [InlineData("image", 1500)]
    public void OnlyDocumentedExceptionsComeOut(string target, int mutations)
    {
        using var tmp = new GoldenCases.TempDir();
        var seeds = FuzzSeeds.Write(target, tmp.File("seeds")).Select(File.ReadAllBytes).ToList();
        foreach (var s in seeds) FuzzTargets.Run(target, Save(tmp.File("seed.bin"), s));   // seeds are valid
        var random = new Random(20261204 + target.Length);
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        int done = 0;
        for (; done < mutations && watch.Elapsed < TimeSpan.FromSeconds(8); done++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var (bytes, how) = Mutate(seed, random, target);
            string path = Save(tmp.File("input.bin"), bytes);
            try { FuzzTargets.Run(target, path); }
            catch (Exception e) when (FuzzTargets.IsDocumented(e)) { }
            catch (Exception e)
            {
                string kept = Path.Combine(Path.GetTempPath(), $"coronetgan-fuzz-{target}-{done}.bin");
                File.WriteAllBytes(kept, bytes);
                failures.Add($"{how}: {e.GetType().Name}: {e.Message} (input kept as {kept})\n{e.StackTrace}");
                if (failures.Count >= 5) break;
            }
        }
        Assert.True(failures.Count == 0, $"{target}: {failures.Count} undocumented exceptions in {done} mutations:\n" + string.Join("\n\n", failures));
        Assert.True(done >= Math.Min(mutations, 200), $"only {done} mutations ran in the time budget");
    }

    /// <summary>AFL++ found it (session 6, image harness): a BMP header whose palette count makes ImageSharp's Identify throw OutOfMemoryException.</summary>
    [Fact]
    public void ABmpHeaderAskingForAnImpossiblePaletteIsABadImage()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = Save(tmp.File("palette.bmp"), Convert.FromHexString("424d7a1e00001700ff00ffffff7f10000000010000000200000000000100020000000080ffffffff0000000044017fffffffff000000004400c84b8c"));
        var e = Assert.ThrowsAny<Exception>(() => FuzzTargets.Run("image", path));
        Assert.True(FuzzTargets.IsDocumented(e), $"{e.GetType().Name}: {e.Message}");
        Assert.Contains("palette.bmp", e.Message);
    }

    static string Save(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static readonly string[] Interesting = ["0", "-1", "100000", "2147483647", "4294967296", "2147483648", "9223372036854775807", "1e308", "null", "\"\"", "[]", "{}", "NaN", "\"\\ud800\""];

    /// <summary>One to three edits; headers (the first bytes, where the parsers live) are hit more often than tensor data.</summary>
    static (byte[] Bytes, string How) Mutate(byte[] seed, Random r, string target)
    {
        var b = new List<byte>(seed);
        var how = new StringBuilder();
        int edits = 1 + r.Next(3);
        for (int i = 0; i < edits && b.Count > 0; i++)
        {
            int headerEnd = target is "safetensors" or "model" && b.Count > 8 ? (int)Math.Min(b.Count, 8 + (long)BitConverter.ToUInt64(seed, 0)) : b.Count;
            int at = r.NextDouble() < 0.85 ? r.Next(Math.Max(1, headerEnd)) : r.Next(b.Count);
            at = Math.Min(at, b.Count - 1);
            switch (r.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << r.Next(8)); how.Append($"flip@{at} "); break;
                case 1: b[at] = (byte)r.Next(256); how.Append($"set@{at} "); break;
                case 2: b.RemoveRange(at, b.Count - at); how.Append($"truncate@{at} "); break;
                case 3:
                    var ins = new byte[1 + r.Next(16)];
                    r.NextBytes(ins);
                    b.InsertRange(at, ins);
                    how.Append($"insert{ins.Length}@{at} ");
                    break;
                case 4: b.RemoveRange(at, Math.Min(b.Count - at, 1 + r.Next(16))); how.Append($"delete@{at} "); break;
                default:
                    // A JSON value swapped for an edge case: reaches the checks behind the syntax.
                    string text = Encoding.Latin1.GetString(b.ToArray());
                    int digit = text.IndexOfAny("0123456789".ToCharArray(), at);
                    if (digit < 0) goto case 0;
                    int end = digit;
                    while (end < text.Length && char.IsDigit(text[end])) end++;
                    string with = Interesting[r.Next(Interesting.Length)];
                    b.RemoveRange(digit, end - digit);
                    b.InsertRange(digit, Encoding.Latin1.GetBytes(with));
                    how.Append($"value@{digit}={with} ");
                    break;
            }
        }
        return (b.ToArray(), how.ToString().Trim());
    }
}
