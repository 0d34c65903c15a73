using System.Text;
using System.Text.RegularExpressions;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>
/// Produces docs/reliability.md: every bad input tried, with the exit code and the message the command line gives.
/// The table is the output of this test, so it cannot drift from the code: when it differs, the test rewrites the file
/// and fails, asking for the regenerated file to be committed.
/// </summary>
public partial class ReliabilityDocTests
{
    [GeneratedRegex(@"pid \d+ on [^,]+, since [0-9-]+ [0-9:]+ UTC")]
    private static partial Regex Holder();

    sealed record Case(string Input, string[] Args, Action? Setup = null);

    [Fact]
    public void DocsReliabilityMdListsEveryBadInputWithItsExitCodeAndMessage()
    {
        using var tmp = new GoldenCases.TempDir();
        string T(string rel) => tmp.File(rel);
        string model = ReliabilityCliTests.TinyModel(tmp.Path);
        string data = DemoData.Extract("pix2pix", T("data"));
        string imgs = Directory.CreateDirectory(T("imgs")).FullName;
        DataTestFolders.WritePng(Path.Combine(imgs, "a.png"), 16, 16, (x, y) => new(9, 9, 9));
        string run = T("run");
        string[] Train(string outDir, params string[] extra)
        {
            var args = new List<string> { "train", "--mode", "pix2pix", "--data", data, "--out", outDir };
            foreach (var (k, v) in new[] { ("--ngf", "4"), ("--ndf", "8"), ("--device", "cpu"), ("--size", "32") })
                if (!extra.Contains(k)) args.AddRange([k, v]);
            return [.. args, .. extra];
        }
        Assert.Equal(0, CliRunner.Run(Train(run, "--steps", "2")).Code);
        Assert.Equal(0, CliRunner.Run("translate", "--model", model, "--input", imgs, "--output", T("done"), "--device", "cpu").Code);
        string Header(string name, string json) => ReliabilityCliTests.RawSafetensors(T(name), Encoding.UTF8.GetBytes(json));
        RunLock? held = null;

        var cases = new List<Case>
        {
            new("translate into its own input folder", ["translate", "--model", model, "--input", imgs, "--output", imgs, "--device", "cpu"]),
            new("translate into a folder that holds the input", ["translate", "--model", model, "--input", Path.Combine(imgs, "a.png"), "--output", tmp.Path, "--device", "cpu"]),
            new("translate over existing outputs", ["translate", "--model", model, "--input", imgs, "--output", T("done"), "--device", "cpu"]),
            new("translate an input that does not exist", ["translate", "--model", model, "--input", T("missing"), "--output", T("o"), "--device", "cpu"]),
            new("translate --size 16384", ["translate", "--model", model, "--input", imgs, "--output", T("o2"), "--size", "16384", "--device", "cpu"]),
            new("translate --size 30 (not a multiple of 4)", ["translate", "--model", model, "--input", imgs, "--output", T("o3"), "--size", "30", "--device", "cpu"]),
            new("export --onnx onto the model file", ["export", "--model", model, "--onnx", model]),
            new("export --pytorch onto the model file", ["export", "--model", model, "--pytorch", model]),
            new("import --out onto the input file", ["import", "--pytorch", model, "--arch", "resnet", "--out", model]),
            new("train into a folder that holds another run", Train(run, "--steps", "2")),
            new("train --resume while another process trains there", Train(run, "--steps", "4", "--resume"),
                () => held = RunLock.Acquire(run)),
            new("train --resume and --overwrite together", Train(run, "--steps", "4", "--resume", "--overwrite"), () => held?.Dispose()),
            new("train --resume with another --size, --target-ratio and --lambda", Train(run, "--steps", "4", "--resume", "--size", "64", "--target-ratio", "0.3", "--lambda", "0.2")),
            new("train --resume with another --mode", ["train", "--mode", "cyclegan", "--data", data, "--out", run, "--steps", "4", "--resume", "--device", "cpu"]),
            new("train --resume with fewer --steps than done", Train(run, "--steps", "1", "--resume")),
            new("train --resume in a folder without a checkpoint", Train(T("empty-run"), "--steps", "2", "--resume")),
            new("train --out naming a file", Train(model, "--steps", "2")),
            new("train --size 100000", Train(T("r1"), "--steps", "2", "--size", "100000")),
            new("train --load-size 100000", Train(T("r2"), "--steps", "2", "--load-size", "100000")),
            new("train --ngf 100000", Train(T("r7"), "--steps", "2", "--ngf", "100000")),
            new("train --steps -5", Train(T("r8"), "--steps", "-5")),
            new("translate --batch 0", ["translate", "--model", model, "--input", imgs, "--output", T("o7"), "--batch", "0", "--device", "cpu"]),
            new("train --lambda 1e30", Train(T("r3"), "--steps", "2", "--lambda", "1e30")),
            new("train --target-ratio and --target-gmacs together", Train(T("r4"), "--steps", "2", "--target-ratio", "0.5", "--target-gmacs", "0.1")),
            new("train --target-ratio 0.001 (below the minimum widths)", Train(T("r5"), "--steps", "2", "--target-ratio", "0.001")),
            new("train --init with a model of another width", Train(T("r9"), "--steps", "2", "--net-g", "resnet6", "--ngf", "8", "--init", model)),
            new("compress on a folder with no training split", ["compress", "--model", model, "--data", imgs, "--target-ratio", "0.5", "--steps", "2", "--out", T("c1"), "--device", "cpu"]),
            new("train on a missing data folder", ["train", "--mode", "pix2pix", "--data", T("no-data"), "--out", T("r6"), "--steps", "2", "--device", "cpu"]),
            new("eval --size 100000", ["eval", "--model", model, "--data", data, "--size", "100000", "--device", "cpu"]),
            new("a header key with invalid UTF-8", ["info", "--model", ReliabilityCliTests.RawSafetensors(T("utf8.safetensors"),
                [.. Encoding.UTF8.GetBytes("{\"w"), 0xff, .. Encoding.UTF8.GetBytes("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")], new byte[4])]),
            new("a shape whose element count overflows", ["info", "--model", Header("overflow.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,0]}}")]),
            new("shape [2^30, 2^30, 4] with 0 bytes (count x size wraps to 0)", ["info", "--model", Header("wraps.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824,4],\"data_offsets\":[0,0]}}")]),
            new("a header length beyond the file", ["info", "--model", ReliabilityCliTests.RawSafetensors(T("long.safetensors"), Encoding.UTF8.GetBytes("{}"), new byte[0])
                is var p && Patch(p) ? p : p]),
            new("a text file as a model", ["info", "--model", WriteText(T("notes.safetensors"), "hello, this is not a model")]),
            new("a model file whose weights hold NaN", ["translate", "--model", NanModel(model, T("nan.safetensors")), "--input", imgs, "--output", T("o4"), "--device", "cpu"]),
            new("import without the first conv key", ["import", "--pytorch", WithoutKey(model, T("cut.safetensors"), "model.1.weight"), "--arch", "resnet6", "--out", T("m.coronetgan")]),
            new("import with an unknown --arch", ["import", "--pytorch", model, "--arch", "vgg", "--out", T("m2.coronetgan")]),
            new("bench --widths naming a missing file", ["bench", "--widths", T("nowhere.json"), "--device", "cpu"]),
            new("bench --widths with a malformed list", ["bench", "--widths", "[4,8,", "--device", "cpu"]),
            new("parity with a case.json of the wrong kind", ["parity", "--case", CaseDir(T("case"))]),
            new("an unknown option", ["train", "--min-channels", "2"]),
            new("a number that is not one", ["translate", "--model", model, "--input", imgs, "--output", T("o5"), "--size", "big"]),
        };

        var md = new StringBuilder();
        md.AppendLine("# Bad inputs and what they get");
        md.AppendLine();
        md.AppendLine("Generated by `tests/ReliabilityDocTests.cs`, which runs every row through the command line; do not edit by hand");
        md.AppendLine("(run `dotnet test tests/CoroNetGAN.Tests.csproj -c Release --filter ReliabilityDocTests` and commit the result).");
        md.AppendLine("Exit codes: 0 ok, 2 bad input or usage, 130 interrupted, 1 internal error (one line; the stack trace with `--verbose`).");
        md.AppendLine("Paths are shown as `<tmp>/...`.");
        md.AppendLine();
        md.AppendLine("| input | command | exit | message |");
        md.AppendLine("|---|---|---:|---|");
        foreach (var c in cases)
        {
            c.Setup?.Invoke();
            var (code, _, err) = CliRunner.Run(c.Args);
            Assert.True(code == 2, $"{c.Input}: exit {code}\n{err}");
            Assert.DoesNotContain("   at ", err);
            string Clean(string s) => Holder().Replace(s.Replace(tmp.Path, "<tmp>"), "pid <pid> on <host>, since <time> UTC").Replace("|", "\\|").ReplaceLineEndings(" ").Trim();
            string message = string.Join(" ", err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Clean));
            md.AppendLine($"| {c.Input} | `coronetgan {Clean(string.Join(" ", c.Args))}` | {code} | {message} |");
        }
        held?.Dispose();
        md.AppendLine();
        md.AppendLine("What stays safe besides: outputs are written to a temporary file in the same folder and renamed over the target,");
        md.AppendLine("so a crash or SIGKILL leaves the old file or the new one; a run folder is locked (`.coronetgan-run.lock`: pid, host,");
        md.AppendLine("start time) while a process trains there, a dead holder's lock is taken over with a message, and the temporary");
        md.AppendLine("files of a killed write are removed when the folder is next locked. `train --resume` may change `--steps`,");
        md.AppendLine("`--checkpoint-every` and `--sample-every` (each change is printed); every other option is fixed for the run.");

        string path = Path.Combine(SharedFiles.RepoRoot, "docs", "reliability.md");
        string text = md.ToString().ReplaceLineEndings("\n");
        string? old = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
        if (old != text)
        {
            File.WriteAllText(path, text);
            Assert.Fail($"{path} was out of date with the code and has been regenerated; review and commit it.");
        }
    }

    static bool Patch(string path)
    {
        using var f = File.OpenWrite(path);
        f.Write(BitConverter.GetBytes(1_000_000UL));
        return true;
    }

    static string WriteText(string path, string text)
    {
        File.WriteAllText(path, text);
        return path;
    }

    static string CaseDir(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "case.json"), "{\"architecture\": 5}");
        return dir;
    }

    /// <summary>A copy of <paramref name="model"/> with a NaN at element 5 of model.4.weight.</summary>
    internal static string NanModel(string model, string path)
    {
        var file = SafeTensorsFile.Read(model);
        var tensors = file.Names.Select(n => new KeyValuePair<string, SafeTensor>(n, file[n])).ToList();
        int i = tensors.FindIndex(p => p.Key == "model.4.weight");
        var values = tensors[i].Value.ToFloats();
        values[5] = float.NaN;
        tensors[i] = new(tensors[i].Key, SafeTensor.FromFloats(values, tensors[i].Value.Shape));
        SafeTensorsFile.Write(path, new SafeTensorsFile(tensors, file.Metadata));
        return path;
    }

    static string WithoutKey(string model, string path, string key)
    {
        var file = SafeTensorsFile.Read(model);
        SafeTensorsFile.Write(path, new SafeTensorsFile(file.Names.Where(n => n != key).Select(n => new KeyValuePair<string, SafeTensor>(n, file[n]))));
        return path;
    }
}
