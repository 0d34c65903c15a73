using System.Text.Json;
using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tooling;

/// <summary>
/// Golden training steps (../shared/golden-train, kind "train_steps"): the reference trainers of pytorch-CycleGAN-and-pix2pix
/// run K steps from given weights and inputs; this runs the same steps through the engine's own trainer
/// (<see cref="Trainer.RunStep"/>, its optimizer hooks and its captured step tensors) and compares with the README's
/// three checks: (1) every step from the file's weights: losses, step-0 outputs, gradients, BatchNorm buffers;
/// (2) the trainer's Adam fed the file's gradients: every weight after every step; (3) free running: losses and
/// weights within loose bounds (a flipped ReLU kink may separate two correct float32 runs).
/// </summary>
internal static class TrainStepParity
{
    /// <summary>Losses, relative.</summary>
    public const double LossTolerance = 1e-4;
    /// <summary>Step-0 outputs (images, discriminator maps), absolute.</summary>
    public const double StepTensorTolerance = 1e-4;
    /// <summary>Gradients, relative to the tensor's max |g| (room for one flipped kink; typical agreement is 1e-5).</summary>
    public const double GradientTolerance = 2e-2;
    /// <summary>Zero-by-construction gradients: max |g| on both sides relative to the network's largest |g|.</summary>
    public const double ZeroGradientTolerance = 1e-4;
    /// <summary>BatchNorm running statistics after a step, absolute.</summary>
    public const double BufferTolerance = 1e-5;
    /// <summary>Free running: losses, relative.</summary>
    public const double FreeLossTolerance = 1e-2;

    sealed record Case(string Name, string Path, TrainOptions Options, int Steps, int Batch, int Size, float LearningRate,
        HashSet<string> ZeroByConstruction);

    public static ParityReport Run(string caseDirectory, JsonElement root, Device device)
    {
        string casePath = System.IO.Path.Combine(caseDirectory, "case.json");
        var c = ReadCase(casePath, root);
        string weightsPath = System.IO.Path.Combine(caseDirectory, "weights.safetensors");
        string ioPath = System.IO.Path.Combine(caseDirectory, "io.safetensors");
        var initial = SafeTensorsFile.Read(weightsPath).Tensors;
        var io = SafeTensorsFile.Read(ioPath).Tensors;
        var data = Inputs(c, io, ioPath);

        var rows = new List<ParityRow>();
        PerStep(c, data, initial, io, device, rows);
        AdamWithFileGradients(c, data, initial, io, device, rows);
        FreeRunning(c, data, initial, io, device, rows);
        string arch = root.TryGetProperty("architecture", out var a) ? a.GetString() ?? "" : "";
        return new ParityReport(c.Name, arch, device.Name, true, rows);
    }

    /// <summary>(1) Each step from the file's weights before it; gradients captured at the optimizer pre-hook.</summary>
    static void PerStep(Case c, InMemoryDataset data, IReadOnlyDictionary<string, SafeTensor> initial,
        IReadOnlyDictionary<string, SafeTensor> io, Device device, List<ParityRow> rows)
    {
        using var trainer = Trainer.Create(c.Options, data, null, device);
        var grads = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int step = 0;
        trainer.OptimizerStepping += info =>
        {
            foreach (var (name, p) in info.Parameters) grads[name] = p.Grad?.ToArray() ?? new float[p.Length];
        };
        // The reference's pix2pix G half runs through D after its update: load the file's updated D weights there, so
        // the G half is compared on its own and an error in D's step cannot leak into it.
        trainer.OptimizerStepped += info =>
        {
            if (c.Options.Mode != TrainMode.Pix2Pix || info.Optimizer != "D") return;
            foreach (var (name, model) in trainer.CurrentDiscriminators)
                LoadParameters(model, io, $"after_step{step}.{name}.");
        };
        for (step = 0; step < c.Steps; step++)
        {
            LoadState(trainer, step == 0 ? initial : io, step == 0 ? "" : $"after_step{step - 1}.");
            grads.Clear();
            trainer.CaptureStepTensors = step == 0;
            trainer.RunStep();
            string s = $"step{step}.";
            CompareLosses(trainer.LastStepLosses, io, s, s, LossTolerance, rows);
            if (step == 0)
                foreach (var key in io.Keys.Where(k => k.StartsWith(s, StringComparison.Ordinal) && IsStepTensor(k[s.Length..])).Order(StringComparer.Ordinal))
                {
                    string name = key[s.Length..];
                    rows.Add(trainer.StepTensors.TryGetValue(name, out var ours)
                        ? Parity.Compare(key, ours.ToFloats(), ours.Shape, io[key], ParityMeasure.Absolute, StepTensorTolerance)
                        : Parity.Unmatched(key, "the trainer's step has no such tensor"));
                }
            CompareGradients(c, grads, io, s + "grad.", rows);
            foreach (var (net, model) in Networks(trainer))
                foreach (var (key, ours) in StateDict.Export(model).Where(e => !IsParameter(model, e.Key)))
                {
                    string refKey = $"after_step{step}.{net}.{key}";
                    if (!io.TryGetValue(refKey, out var reference)) { rows.Add(Parity.Unmatched(refKey, "no reference buffer in io.safetensors")); continue; }
                    rows.Add(ours.DType == SafeTensorDType.I64
                        ? Parity.CompareExact(refKey, ours, reference)
                        : Parity.Compare(refKey, ours.ToFloats(), ours.Shape, reference, ParityMeasure.Absolute, BufferTolerance));
                }
        }
    }

    /// <summary>(2) The trainer's Adam, from the initial weights, fed the file's gradients at its pre-hook.</summary>
    static void AdamWithFileGradients(Case c, InMemoryDataset data, IReadOnlyDictionary<string, SafeTensor> initial,
        IReadOnlyDictionary<string, SafeTensor> io, Device device, List<ParityRow> rows)
    {
        using var trainer = Trainer.Create(c.Options, data, null, device);
        LoadState(trainer, initial, "");
        int step = 0;
        var missing = new List<ParityRow>();
        var fed = new HashSet<string>(StringComparer.Ordinal);
        trainer.OptimizerStepping += info =>
        {
            foreach (var (name, p) in info.Parameters)
            {
                string key = $"step{step}.grad.{name}";
                if (!io.TryGetValue(key, out var g)) { missing.Add(Parity.Unmatched("adam." + key, "no reference gradient for this optimizer parameter")); continue; }
                if (p.Grad == null) { missing.Add(Parity.Unmatched("adam." + key, "the engine's step left this parameter without a gradient to replace")); continue; }
                p.Grad.CopyFrom(g.ToFloats());
                fed.Add(name);
            }
        };
        for (step = 0; step < c.Steps; step++)
        {
            fed.Clear();
            trainer.RunStep();
            string prefix = $"step{step}.grad.";
            foreach (var key in io.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !fed.Contains(k[prefix.Length..])))
                missing.Add(Parity.Unmatched("adam." + key, "no optimizer of the engine's trainer holds this parameter"));
            double slack = (step + 1) * 1e-3 * c.LearningRate;
            foreach (var (net, model) in Networks(trainer))
                foreach (var (key, p) in model.NamedParameters())
                {
                    string refKey = $"after_step{step}.{net}.{key}";
                    rows.Add(io.TryGetValue(refKey, out var reference)
                        ? Bound("adam." + refKey, p.ToArray(), p.Shape, reference, slack, 1e-6)
                        : Parity.Unmatched("adam." + refKey, "no reference weight in io.safetensors"));
                }
        }
        rows.AddRange(missing);
    }

    /// <summary>(3) The trainer on its own from the initial weights: a loose plausibility check.</summary>
    static void FreeRunning(Case c, InMemoryDataset data, IReadOnlyDictionary<string, SafeTensor> initial,
        IReadOnlyDictionary<string, SafeTensor> io, Device device, List<ParityRow> rows)
    {
        using var trainer = Trainer.Create(c.Options, data, null, device);
        LoadState(trainer, initial, "");
        for (int step = 0; step < c.Steps; step++)
        {
            trainer.RunStep();
            CompareLosses(trainer.LastStepLosses, io, $"step{step}.", $"free.step{step}.", FreeLossTolerance, rows);
            double bound = 2.0 * c.LearningRate * (step + 1);
            foreach (var (net, model) in Networks(trainer))
                foreach (var (key, p) in model.NamedParameters())
                {
                    // A zero-by-construction bias follows rounding noise: only its distance from the start is bounded.
                    bool zero = c.ZeroByConstruction.Contains($"{net}.{key}");
                    string refKey = zero ? $"{net}.{key}" : $"after_step{step}.{net}.{key}";
                    var source = zero ? initial : io;
                    string label = $"free.after_step{step}.{net}.{key}";
                    rows.Add(source.TryGetValue(refKey, out var reference)
                        ? Bound(label, p.ToArray(), p.Shape, reference, bound, 0)
                        : Parity.Unmatched(label, "no reference weight"));
                }
        }
    }

    static void CompareLosses(IReadOnlyDictionary<string, float> ours, IReadOnlyDictionary<string, SafeTensor> io, string prefix,
        string label, double tolerance, List<ParityRow> rows)
    {
        foreach (var key in io.Keys.Where(k => k.StartsWith(prefix + "loss_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string term = key[(prefix.Length + "loss_".Length)..];
            string name = label + "loss_" + term;
            rows.Add(ours.TryGetValue(term, out var v)
                ? Parity.Compare(name, [v], [], io[key], ParityMeasure.Relative, tolerance)
                : Parity.Unmatched(name, "the trainer computes no such loss term"));
        }
    }

    static void CompareGradients(Case c, Dictionary<string, float[]> grads, IReadOnlyDictionary<string, SafeTensor> io, string prefix, List<ParityRow> rows)
    {
        // "The network's largest |g|": over every parameter of that network, in the file.
        var networkMax = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var key in io.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            string net = key[prefix.Length..].Split('.')[0];
            double m = io[key].ToFloats().Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            networkMax[net] = Math.Max(networkMax.GetValueOrDefault(net), m);
        }
        foreach (var (name, g) in grads.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string key = prefix + name;
            if (!io.TryGetValue(key, out var reference)) { rows.Add(Parity.Unmatched(key, "no reference gradient in io.safetensors")); continue; }
            if (!c.ZeroByConstruction.Contains(name))
            {
                rows.Add(Parity.Compare(key, g, reference.Shape, reference, ParityMeasure.Relative, GradientTolerance));
                continue;
            }
            double scale = networkMax.GetValueOrDefault(name.Split('.')[0]);
            double largest = Math.Max(g.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max(),
                reference.ToFloats().Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
            rows.Add(new ParityRow(key, ParityMeasure.OfNetworkMax, scale > 0 ? largest / scale : largest, ZeroGradientTolerance, scale));
        }
        foreach (var key in io.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !grads.ContainsKey(k[prefix.Length..])))
            rows.Add(Parity.Unmatched(key, "no optimizer of the engine's trainer holds this parameter"));
    }

    /// <summary>Every element within <c>slack + relative |reference|</c>; the error is the worst ratio to that bound.</summary>
    static ParityRow Bound(string name, float[] ours, int[] shape, SafeTensor reference, double slack, double relative)
    {
        if (reference.DType != SafeTensorDType.F32 || !reference.Shape.SequenceEqual(shape))
            return Parity.Unmatched(name, $"ours is F32 {Engine.Tensors.Tensor.Format(shape)}, the reference is {reference}");
        var r = reference.ToFloats();
        double worst = 0;
        for (int i = 0; i < r.Length; i++)
        {
            double ratio = Math.Abs((double)ours[i] - r[i]) / (slack + relative * Math.Abs(r[i]));
            if (!(ratio <= worst)) worst = ratio;
        }
        return new ParityRow(name, ParityMeasure.Bound, worst, 1, r.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max());
    }

    static bool IsStepTensor(string name) => name is not ("real_A" or "real_B") && !name.StartsWith("loss_", StringComparison.Ordinal)
        && !name.StartsWith("grad.", StringComparison.Ordinal);

    static bool IsParameter(Module model, string key) => StateDict.Keys(model).Any(k => k.Key == key && k.IsParameter);

    static IEnumerable<(string Name, Module Model)> Networks(Trainer t) =>
        t.CurrentGenerators.Select(p => (p.Key, p.Value)).Concat(t.CurrentDiscriminators.Select(p => (p.Key, p.Value)));

    /// <summary>Loads every network's state_dict (parameters and buffers) from the tensors named PREFIX + net + "." + key.</summary>
    static void LoadState(Trainer trainer, IReadOnlyDictionary<string, SafeTensor> source, string prefix)
    {
        foreach (var (net, model) in Networks(trainer))
        {
            string p = prefix + net + ".";
            var mine = source.Where(e => e.Key.StartsWith(p, StringComparison.Ordinal)).ToDictionary(e => e.Key[p.Length..], e => e.Value, StringComparer.Ordinal);
            StateDict.Load(model, mine, $"{p}* in the case files");
        }
    }

    static void LoadParameters(Module model, IReadOnlyDictionary<string, SafeTensor> source, string prefix)
    {
        foreach (var (key, p) in model.NamedParameters())
        {
            if (!source.TryGetValue(prefix + key, out var t)) throw new ArgumentException($"io.safetensors: no tensor '{prefix}{key}'.");
            p.CopyFrom(t.ToFloats());
        }
    }

    /// <summary>step{k}.real_A / real_B as samples k x batch .. (k + 1) x batch - 1, in order (serial batches).</summary>
    static InMemoryDataset Inputs(Case c, IReadOnlyDictionary<string, SafeTensor> io, string ioPath)
    {
        int plane = 3 * c.Size * c.Size;
        var samples = new List<ImagePair>();
        for (int k = 0; k < c.Steps; k++)
        {
            float[] a = Need(io, ioPath, $"step{k}.real_A", [c.Batch, 3, c.Size, c.Size]);
            float[] b = Need(io, ioPath, $"step{k}.real_B", [c.Batch, 3, c.Size, c.Size]);
            for (int j = 0; j < c.Batch; j++)
                samples.Add(new ImagePair(a.AsSpan(j * plane, plane).ToArray(), b.AsSpan(j * plane, plane).ToArray()));
        }
        return new InMemoryDataset(samples, c.Size, paired: c.Options.Mode == TrainMode.Pix2Pix);
    }

    static float[] Need(IReadOnlyDictionary<string, SafeTensor> io, string path, string key, int[] shape)
    {
        if (!io.TryGetValue(key, out var t)) throw new ArgumentException($"{path}: no tensor '{key}'.");
        if (t.DType != SafeTensorDType.F32 || !t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{path}: '{key}' is {t}, expected F32 {Engine.Tensors.Tensor.Format(shape)} (case.json's image_shape).");
        return t.ToFloats();
    }

    /// <summary>Maps case.json's reference constructors and hyperparameters onto <see cref="TrainOptions"/>, refusing what the engine lacks.</summary>
    static Case ReadCase(string path, JsonElement root)
    {
        var arch = CaseJson.Text(root, "architecture", path);
        var mode = arch switch
        {
            "CycleGANModel" => TrainMode.CycleGan,
            "Pix2PixModel" => TrainMode.Pix2Pix,
            _ => throw new NotSupportedException($"{path}: architecture '{arch}' is not a trainer the engine has (CycleGANModel, Pix2PixModel)."),
        };
        int steps = CaseJson.Int(root, "steps", path);
        var shape = CaseJson.Ints(root, "image_shape", path);
        if (shape.Length != 4 || shape[1] != 3 || shape[2] != shape[3] || shape[0] < 1 || steps < 1)
            throw new ArgumentException($"{path}: image_shape {Engine.Tensors.Tensor.Format(shape)} and steps {steps}: expected [N, 3, S, S] and at least one step.");
        int batch = shape[0], size = shape[2];
        var nets = CaseJson.Object(root, "networks", path);
        string gName = mode == TrainMode.CycleGan ? "G_A" : "G", dName = mode == TrainMode.CycleGan ? "D_A" : "D";
        var g = CaseJson.Object(CaseJson.Object(nets, gName, path), "constructor_args", path);
        var d = CaseJson.Object(CaseJson.Object(nets, dName, path), "constructor_args", path);
        string gArch = CaseJson.Text(CaseJson.Object(nets, gName, path), "architecture", path);
        if (CaseJson.Int(g, "input_nc", path) != 3 || CaseJson.Int(g, "output_nc", path) != 3)
            throw new NotSupportedException($"{path}: the trainers translate RGB images (input_nc = output_nc = 3).");
        if (CaseJson.Bool(g, "use_dropout", path))
            throw new NotSupportedException($"{path}: the generator uses dropout, whose random masks cannot match the reference's.");
        var norm = CaseJson.Text(g, "norm", path) switch
        {
            "batch" => NormKind.Batch,
            "instance" => NormKind.Instance,
            var n => throw new NotSupportedException($"{path}: norm '{n}' (the trainers use batch or instance)."),
        };
        if (CaseJson.Text(d, "norm", path) != CaseJson.Text(g, "norm", path))
            throw new NotSupportedException($"{path}: the generator and discriminator norms differ; the trainers use one --norm for both.");
        GeneratorArch netG;
        if (gArch == "ResnetGenerator")
        {
            int blocks = CaseJson.Int(g, "n_blocks", path);
            netG = blocks switch { 6 => GeneratorArch.Resnet6, 9 => GeneratorArch.Resnet9, _ => throw new NotSupportedException($"{path}: {blocks} residual blocks (the trainers have resnet6 and resnet9).") };
            if (g.TryGetProperty("padding_type", out var pad) && pad.GetString() != "reflect")
                throw new NotSupportedException($"{path}: padding_type '{pad.GetString()}' (the ResNet generator pads by reflection).");
        }
        else if (gArch == "UnetGenerator")
        {
            netG = GeneratorArch.Unet;
            int downs = CaseJson.Int(g, "num_downs", path);
            int ours = new TrainOptions(TrainMode.Pix2Pix, size, 1, ".").UnetDowns;
            if (downs != ours)
                throw new NotSupportedException($"{path}: a U-Net with {downs} downsamplings at {size} px (the trainer uses {ours} at that size).");
        }
        else throw new NotSupportedException($"{path}: generator '{gArch}' (the trainers have ResnetGenerator and UnetGenerator).");
        int expectedDIn = mode == TrainMode.Pix2Pix ? 6 : 3;
        if (CaseJson.Int(d, "input_nc", path) != expectedDIn)
            throw new NotSupportedException($"{path}: a discriminator with {CaseJson.Int(d, "input_nc", path)} input channels ({expectedDIn} for this trainer).");

        var h = CaseJson.Object(root, "hyperparameters", path);
        var gan = CaseJson.Text(h, "gan_mode", path) switch
        {
            "lsgan" => GanMode.Lsgan,
            "vanilla" => GanMode.Vanilla,
            "hinge" => GanMode.Hinge,
            var m => throw new NotSupportedException($"{path}: gan_mode '{m}' (lsgan, vanilla, hinge)."),
        };
        float lr = (float)CaseJson.Double(h, "lr", path);
        if (Math.Abs(CaseJson.Double(h, "beta2", path) - 0.999) > 1e-12 || Math.Abs(CaseJson.Double(h, "eps", path) - 1e-8) > 1e-20
            || CaseJson.Double(h, "weight_decay", path) != 0 || (h.TryGetProperty("amsgrad", out var ams) && ams.GetBoolean()))
            throw new NotSupportedException($"{path}: Adam settings other than the reference's (beta2 0.999, eps 1e-8, no weight decay, no amsgrad).");
        var zero = root.TryGetProperty("grad_zero_by_construction", out var z) && z.ValueKind == JsonValueKind.Array
            ? z.EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

        var options = new TrainOptions(mode, size, steps,
            OutputDirectory: System.IO.Path.Combine(System.IO.Path.GetTempPath(), "coronetgan-parity-unwritten"),
            Ngf: CaseJson.Int(g, "ngf", path), NetG: netG, Ndf: CaseJson.Int(d, "ndf", path), Gan: gan,
            LambdaL1: h.TryGetProperty("lambda_L1", out var l1) ? (float)l1.GetDouble() : 100f,
            LambdaA: h.TryGetProperty("lambda_A", out var la) ? (float)la.GetDouble() : 10f,
            LambdaB: h.TryGetProperty("lambda_B", out var lb) ? (float)lb.GetDouble() : 10f,
            LambdaIdentity: h.TryGetProperty("lambda_identity", out var li) ? (float)li.GetDouble() : 0.5f,
            PoolSize: CaseJson.Int(h, "pool_size", path), LearningRate: lr, Beta1: (float)CaseJson.Double(h, "beta1", path),
            DecayStart: steps, BatchSize: batch, NoPrune: true, Norm: norm, Dropout: false,
            LayersD: CaseJson.Int(d, "n_layers", path), SerialBatches: true);
        string name = root.TryGetProperty("case", out var cn) ? cn.GetString() ?? "" : "";
        return new Case(name, path, options, steps, batch, size, lr, zero);
    }
}
