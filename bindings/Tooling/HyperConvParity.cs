using System.Text.Json;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;
using Ops = CoroNetGAN.Engine.Ops.Ops;

namespace CoroNetGAN.Tooling;

/// <summary>
/// A golden DHP hyper-convolution (kind "hyperconv"): the engine's <see cref="HyperConv"/> layer loaded with
/// conv_dhp's parameters (its two latents standing for latent_vector_input and latent_vector) runs the forward, an L1
/// loss against the target and the backward; the generated weight, output, loss and every gradient are compared, and
/// each stored proximal example is replayed through the engine's proximal op in DHP's form (no entry exempt).
/// </summary>
internal static class HyperConvParity
{
    /// <summary>Generated weight, relative to its max.</summary>
    public const double WeightTolerance = 1e-5;
    /// <summary>Conv output, absolute.</summary>
    public const double OutputTolerance = 1e-5;
    /// <summary>Loss, relative.</summary>
    public const double LossTolerance = 1e-5;
    /// <summary>Every gradient, relative to the tensor's max |g|.</summary>
    public const double GradientTolerance = 1e-4;

    public static ParityReport Run(string caseDirectory, JsonElement root, Device device)
    {
        string path = Path.Combine(caseDirectory, "case.json");
        var args = CaseJson.Object(root, "constructor_args", path);
        int cin = CaseJson.Int(args, "in_channels", path), cout = CaseJson.Int(args, "out_channels", path);
        int k = CaseJson.Int(args, "kernel_size", path), m = CaseJson.Int(args, "embedding_dim", path);
        int stride = CaseJson.Int(args, "stride", path), padding = CaseJson.Int(args, "padding", path);
        bool transposed = CaseJson.Bool(args, "transpose", path), bias = CaseJson.Bool(args, "bias", path);
        int outputPadding = args.TryGetProperty("output_padding", out var op) ? op.GetInt32() : 0;
        if (cin < 1 || cout < 1 || k < 1 || m < 1 || stride < 1 || padding < 0 || outputPadding < 0)
            throw new ArgumentException($"{path}: constructor_args describe no valid conv (in {cin}, out {cout}, kernel {k}, embedding {m}, stride {stride}, padding {padding}).");

        string weightsPath = Path.Combine(caseDirectory, "weights.safetensors"), ioPath = Path.Combine(caseDirectory, "io.safetensors");
        var w = SafeTensorsFile.Read(weightsPath).Tensors;
        var io = SafeTensorsFile.Read(ioPath).Tensors;

        var init = new Init(device, 0);
        using var latents = new LatentSet();
        var zIn = latents.Add(init, "in", cin);
        var zOut = latents.Add(init, "out", cout);
        using var conv = new HyperConv(init, new LatentRef(zIn), new LatentRef(zOut), k, stride, padding, outputPadding, transposed, bias, m);
        var ours = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["latent_vector_input"] = zIn.Value, ["latent_vector"] = zOut.Value, ["bias0"] = conv.Bias0, ["weight1"] = conv.Weight1,
            ["bias1"] = conv.Bias1, ["weight2"] = conv.Weight2, ["bias2"] = conv.Bias2,
        };
        if (conv.Bias != null) ours["bias"] = conv.Bias;
        foreach (var (name, tensor) in ours) Load(tensor, w, weightsPath, name);
        foreach (var extra in w.Keys.Where(n => !ours.ContainsKey(n)))
            throw new ArgumentException($"{weightsPath}: '{extra}' is not a conv_dhp parameter of this layer (bias = {bias}).");

        var rows = new List<ParityRow>();
        var input = Need(io, ioPath, "input");
        var target = Need(io, ioPath, "target");
        using var x = Tensor.FromArray(device, input.ToFloats(), input.Shape);
        using var t = Tensor.FromArray(device, target.ToFloats(), target.Shape);
        x.RequiresGrad = true;
        using (var tape = new Tape())
        {
            var y = conv.Forward(x);
            var loss = Ops.L1Loss(y, t);
            tape.Backward(loss);
            rows.Add(Parity.Compare("output", y.ToArray(), y.Shape, Need(io, ioPath, "output"), ParityMeasure.Absolute, OutputTolerance));
            rows.Add(Parity.Compare("loss", [loss.Item()], [], Need(io, ioPath, "loss"), ParityMeasure.Relative, LossTolerance));
        }
        rows.Add(Parity.Compare("grad_input", x.Grad?.ToArray() ?? new float[x.Length], x.Shape, Need(io, ioPath, "grad_input"), ParityMeasure.Relative, GradientTolerance));
        foreach (var (name, p) in ours)
            rows.Add(Parity.Compare("grad." + name, p.Grad?.ToArray() ?? new float[p.Length], Shape(p, w[name]), Need(io, ioPath, "grad." + name), ParityMeasure.Relative, GradientTolerance));

        // The generated weight, and its gradient through the real conv op with the weight as a leaf.
        using (Tape.NoGrad())
        {
            var generated = conv.GenerateWeight();
            rows.Add(Parity.Compare("generated_weight", generated.ToArray(), generated.Shape, Need(io, ioPath, "generated_weight"), ParityMeasure.Relative, WeightTolerance));
        }
        using (var tape = new Tape())
        {
            float[] values;
            int[] shape;
            using (Tape.NoGrad()) { var g = conv.GenerateWeight(); values = g.ToArray(); shape = g.Shape; }
            using var leaf = Tensor.FromArray(device, values, shape);
            leaf.RequiresGrad = true;
            var y = transposed ? Ops.ConvTranspose2d(x, leaf, conv.Bias, stride, padding, outputPadding) : Ops.Conv2d(x, leaf, conv.Bias, stride, padding);
            tape.Backward(Ops.L1Loss(y, t));
            rows.Add(Parity.Compare("grad.generated_weight", leaf.Grad?.ToArray() ?? new float[leaf.Length], shape, Need(io, ioPath, "grad.generated_weight"), ParityMeasure.Relative, GradientTolerance));
        }

        for (int j = 0; io.ContainsKey($"prox{j}.before"); j++) rows.Add(Proximal(io, ioPath, $"prox{j}", device));

        var notes = new[] { "latent_matrix, embedding and explicit not compared: the fused hyper-weight kernel never materialises them; their gradients are grad.bias0, grad.bias1 and grad.bias2 above" };
        string arch = root.TryGetProperty("architecture", out var a) ? a.GetString() ?? "" : "";
        string name2 = root.TryGetProperty("case", out var cn) ? cn.GetString() ?? "" : Path.GetFileName(caseDirectory);
        return new ParityReport(name2, arch, device.Name, true, rows, notes);
    }

    /// <summary>DHP's soft_thresholding (reg, prune threshold, min channels as stored) through the engine's op, compared exactly.</summary>
    static ParityRow Proximal(IReadOnlyDictionary<string, SafeTensor> io, string path, string name, Device device)
    {
        var before = Need(io, path, name + ".before");
        float reg = Scalar(Need(io, path, name + ".reg"), path, name + ".reg");
        float threshold = Scalar(Need(io, path, name + ".prune_threshold"), path, name + ".prune_threshold");
        var mc = Need(io, path, name + ".min_channels");
        long minChannels = mc.DType == SafeTensorDType.I64 && mc.Shape.Aggregate(1, (p, d) => p * d) == 1 ? mc.ToInt64s()[0]
            : throw new ArgumentException($"{path}: '{name}.min_channels' must be one I64 value, got {mc}.");
        if (minChannels < 0 || minChannels > int.MaxValue) throw new ArgumentException($"{path}: '{name}.min_channels' is {minChannels}.");
        using var z = Tensor.FromArray(device, before.ToFloats(), before.Shape);
        Ops.ProximalStep(z, reg, threshold, (int)minChannels, exempt: 0);
        var row = Parity.Compare(name + ".after", z.ToArray(), z.Shape, Need(io, path, name + ".after"), ParityMeasure.Absolute, 0);
        return row with { Measure = ParityMeasure.Exact };
    }

    static float Scalar(SafeTensor t, string path, string key) =>
        t.DType == SafeTensorDType.F32 && t.Shape.Aggregate(1, (p, d) => p * d) == 1 ? t.ToFloats()[0]
            : throw new ArgumentException($"{path}: '{key}' must be one F32 value, got {t}.");

    /// <summary>Copies the file's tensor into ours; DHP's latent (C) fills the engine's [1, C, 1, 1].</summary>
    static void Load(Tensor ours, IReadOnlyDictionary<string, SafeTensor> w, string path, string name)
    {
        var t = Need(w, path, name);
        if (t.DType != SafeTensorDType.F32 || t.Shape.Aggregate(1, (p, d) => p * d) != ours.Length
            || !(t.Shape.SequenceEqual(ours.Shape) || name.StartsWith("latent_vector", StringComparison.Ordinal)))
            throw new ArgumentException($"{path}: '{name}' is {t}; the layer the case describes has {ours.Describe()}.");
        ours.CopyFrom(t.ToFloats());
    }

    /// <summary>The reference's shape for a tensor whose values ours holds (latents are (C) there, [1, C, 1, 1] here).</summary>
    static int[] Shape(Tensor ours, SafeTensor reference) =>
        reference.Shape.Aggregate(1, (p, d) => p * d) == ours.Length ? reference.Shape : ours.Shape;

    static SafeTensor Need(IReadOnlyDictionary<string, SafeTensor> io, string path, string key) =>
        io.TryGetValue(key, out var t) ? t : throw new ArgumentException($"{path}: no tensor '{key}'.");
}
