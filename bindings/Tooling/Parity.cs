using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using Ops = CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Tooling;

/// <summary>
/// Checks the engine against reference tensors in the golden-case format (a folder with case.json,
/// weights.safetensors and io.safetensors, as in ../shared/golden): builds the module case.json names from its
/// constructor arguments, loads the weights strictly, runs the forward in the case's mode, the L1 loss against
/// <c>target</c> and the backward, and compares output, loss, input gradient, every parameter gradient and every
/// buffer after the forward with the stored ones.
/// </summary>
/// <remarks>
/// Thread-safe: each run builds its own module. Runs on one device must not overlap in time with other work
/// on that device from another thread (a <see cref="Device"/> is used by one thread at a time).
/// </remarks>
public static class Parity
{
    /// <summary>Relative tolerance of the output, the loss and the BatchNorm running statistics.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>Relative tolerance of every gradient.</summary>
    public const double GradientTolerance = 1e-3;

    /// <summary>
    /// Absolute tolerance of the gradients case.json lists under <c>grad_zero_by_construction</c>: exactly zero in
    /// exact arithmetic, so their stored values are rounding noise (|g| ≤ 5e-7) and a relative error means nothing.
    /// </summary>
    public const double ZeroGradientTolerance = 1e-5;

    /// <summary>Runs the case in <paramref name="caseDirectory"/> on the device called <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">An unknown device, or a case whose files are inconsistent.</exception>
    /// <exception cref="NotSupportedException">The case asks for a layer option the engine does not implement.</exception>
    public static ParityReport Run(string caseDirectory, string device = "cpu")
    {
        using var d = Devices.Open(device);
        return Run(caseDirectory, d);
    }

    /// <summary>Runs the case in <paramref name="caseDirectory"/> on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">The case's files are inconsistent (the message says which).</exception>
    /// <exception cref="NotSupportedException">The case asks for a layer option the engine does not implement.</exception>
    /// <exception cref="FileNotFoundException">case.json, weights.safetensors or io.safetensors is missing.</exception>
    public static ParityReport Run(string caseDirectory, Device device)
    {
        string casePath = Path.Combine(caseDirectory, "case.json");
        if (!File.Exists(casePath)) throw new FileNotFoundException($"{casePath}: no case.json in the case folder.", casePath);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(casePath)); }
        catch (JsonException e) { throw new InvalidDataException($"{casePath}: not valid JSON ({e.Message})", e); }
        using var _ = doc;
        try { return Run(caseDirectory, device, casePath, doc); }
        // A field of the wrong JSON kind, or constructor arguments the module refuses: name the file they came from.
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException && !e.Message.Contains(casePath, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{casePath}: {e.Message}", e);
        }
    }

    static ParityReport Run(string caseDirectory, Device device, string casePath, JsonDocument doc)
    {
        var root = doc.RootElement;
        // case.json says what the case checks: one layer or network (../shared/golden), training steps or a DHP
        // hyper-convolution (../shared/golden-train).
        switch (root.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null)
        {
            case "train_steps": return TrainStepParity.Run(caseDirectory, root, device);
            case "hyperconv": return HyperConvParity.Run(caseDirectory, root, device);
            case null or "layer" or "model": break;
            case var other: throw new NotSupportedException($"{casePath}: kind '{other}' is not one the engine checks (layer, model, train_steps, hyperconv).");
        }
        string name = Text(root, "case", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(caseDirectory))));
        string arch = Text(root, "architecture", "")
            is { Length: > 0 } a ? a : throw new ArgumentException($"{casePath}: no architecture.");
        bool training = Mode(casePath, Text(root, "mode", "train()"));
        var zeroByConstruction = root.TryGetProperty("grad_zero_by_construction", out var z) && z.ValueKind == JsonValueKind.Array
            ? z.EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        var args = root.TryGetProperty("constructor_args", out var ca) ? ca : default;

        string weightsPath = Path.Combine(caseDirectory, "weights.safetensors");
        string ioPath = Path.Combine(caseDirectory, "io.safetensors");
        var weights = SafeTensorsFile.Read(weightsPath);
        var io = SafeTensorsFile.Read(ioPath);

        using var module = CaseModules.Build(arch, args, device);
        StateDict.Load(module, weights.Tensors, weightsPath);
        module.Train(training);
        if (training && HasActiveDropout(module))
            throw new NotSupportedException($"{casePath}: dropout is on in training mode, so the output depends on random masks that cannot match the reference's.");

        var result = Execute(module, device, Need(io, ioPath, "input"), Need(io, ioPath, "target"));
        var rows = new List<ParityRow>
        {
            Compare("output", result.Output, result.OutputShape, Need(io, ioPath, "output"), ParityMeasure.Relative, OutputTolerance),
            Compare("loss", [result.Loss], [], Need(io, ioPath, "loss"), ParityMeasure.Relative, OutputTolerance),
            Compare("grad_input", result.InputGrad, result.InputShape, Need(io, ioPath, "grad_input"), ParityMeasure.Relative, GradientTolerance),
        };
        foreach (var (key, grad, shape) in result.ParamGrads)
        {
            bool zero = zeroByConstruction.Contains(key);
            rows.Add(io.Tensors.TryGetValue("grad." + key, out var reference)
                ? Compare("grad." + key, grad, shape, reference, zero ? ParityMeasure.Absolute : ParityMeasure.Relative, zero ? ZeroGradientTolerance : GradientTolerance)
                : Unmatched("grad." + key, "no reference gradient in io.safetensors"));
        }
        var paramKeys = result.ParamGrads.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in io.Names.Where(n => n.StartsWith("grad.", StringComparison.Ordinal) && !paramKeys.Contains(n[5..])))
            rows.Add(Unmatched(key, "the module has no such parameter"));

        var buffers = StateDict.Keys(module).Where(k => !k.IsParameter).Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, after) in StateDict.Export(module).Where(p => buffers.Contains(p.Key)))
        {
            // A case without after.* tensors (no BatchNorm in the reference) has nothing to compare them with.
            if (!io.Tensors.TryGetValue("after." + key, out var reference)) continue;
            rows.Add(after.DType == SafeTensorDType.I64
                ? CompareExact("after." + key, after, reference)
                : Compare("after." + key, after.ToFloats(), after.Shape, reference, ParityMeasure.Relative, OutputTolerance));
        }
        foreach (var key in io.Names.Where(n => n.StartsWith("after.", StringComparison.Ordinal) && !buffers.Contains(n[6..])))
            rows.Add(Unmatched(key, "the module has no such buffer"));

        return new ParityReport(name, arch, device.Name, training, rows);
    }

    sealed record Outcome(float[] Output, int[] OutputShape, float Loss, float[] InputGrad, int[] InputShape,
        List<(string Key, float[] Grad, int[] Shape)> ParamGrads);

    static Outcome Execute(Module module, Device device, SafeTensor input, SafeTensor target)
    {
        using var x = Tensor.FromArray(device, input.ToFloats(), input.Shape);
        using var t = Tensor.FromArray(device, target.ToFloats(), target.Shape);
        x.RequiresGrad = true;
        foreach (var (_, p) in module.NamedParameters()) p.ZeroGrad();
        float[] output;
        int[] outputShape;
        float loss;
        using (var tape = new Tape())
        {
            var y = module.Forward(x);
            if (!y.Shape.SequenceEqual(target.Shape))
                throw new ArgumentException($"The output {Tensor.Format(y.Shape)} does not have the target's shape {Tensor.Format(target.Shape)}.");
            var l = Ops.L1Loss(y, t);
            tape.Backward(l);
            output = y.ToArray();
            outputShape = y.Shape;
            loss = l.Item();
        }
        // A parameter the loss does not reach has no gradient tensor; its gradient is zero.
        var grads = module.NamedParameters()
            .Select(p => (p.Name, p.Tensor.Grad?.ToArray() ?? new float[p.Tensor.Length], p.Tensor.Shape)).ToList();
        var inputGrad = x.Grad?.ToArray() ?? new float[x.Length];
        return new Outcome(output, outputShape, loss, inputGrad, x.Shape, grads);
    }

    internal static ParityRow Compare(string name, float[] ours, int[] shape, SafeTensor reference, ParityMeasure measure, double tolerance)
    {
        if (reference.DType != SafeTensorDType.F32 || !reference.Shape.SequenceEqual(shape))
            return Unmatched(name, $"ours is F32 {Tensor.Format(shape)}, the reference is {reference}");
        var r = reference.ToFloats();
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < r.Length; i++)
        {
            double d = Math.Abs((double)ours[i] - r[i]);
            // Written so that a NaN in ours propagates into the error instead of being skipped.
            if (!(d <= maxDiff)) maxDiff = d;
            maxRef = Math.Max(maxRef, Math.Abs((double)r[i]));
        }
        if (measure == ParityMeasure.Relative && maxRef == 0) measure = ParityMeasure.Absolute;
        double error = measure == ParityMeasure.Relative ? maxDiff / maxRef : maxDiff;
        return new ParityRow(name, measure, error, tolerance, maxRef);
    }

    internal static ParityRow CompareExact(string name, SafeTensor ours, SafeTensor reference)
    {
        if (reference.DType != SafeTensorDType.I64 || !reference.Shape.SequenceEqual(ours.Shape))
            return Unmatched(name, $"ours is {ours}, the reference is {reference}");
        var a = ours.ToInt64s();
        var b = reference.ToInt64s();
        double diff = a.Zip(b, (p, q) => Math.Abs((double)p - q)).DefaultIfEmpty(0).Max();
        return new ParityRow(name, ParityMeasure.Exact, diff, 0, b.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
    }

    internal static ParityRow Unmatched(string name, string why) =>
        new(name, ParityMeasure.Absolute, double.PositiveInfinity, 0, 0, why);

    static bool HasActiveDropout(Module m) =>
        m is Dropout { P: > 0 } || m.Children.Any(c => HasActiveDropout(c.Module));

    static SafeTensor Need(SafeTensorsFile io, string path, string key) =>
        io.Tensors.TryGetValue(key, out var t) ? t : throw new ArgumentException($"{path}: no tensor '{key}'.");

    static string Text(JsonElement root, string property, string fallback) =>
        root.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;

    static bool Mode(string path, string mode)
    {
        // case.json describes the mode in words that start with the call PyTorch made: "train() ..." or "eval() ...".
        string m = mode.TrimStart().ToLowerInvariant();
        if (m.StartsWith("train", StringComparison.Ordinal)) return true;
        if (m.StartsWith("eval", StringComparison.Ordinal)) return false;
        throw new ArgumentException($"{path}: mode '{mode}' is neither train() nor eval().");
    }
}
