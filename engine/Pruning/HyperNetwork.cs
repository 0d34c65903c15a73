using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Metrics;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Pruning;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>Settings of the hypernetwork that generates a searching generator's weights.</summary>
/// <param name="Embedding">Embedding size M of every hyper layer (DHP default 8).</param>
public sealed record HyperOptions(int Embedding = 8);

/// <summary>A generator that can be built with a hypernetwork and cut down to a compact plain generator.</summary>
public interface IPrunableGenerator
{
    /// <summary>The hypernetwork when the generator was built for the search; null for a plain generator.</summary>
    HyperNetwork? Hyper { get; }

    /// <summary>A plain generator of the same family and settings with the given per-layer widths.</summary>
    Module BuildPlain(IReadOnlyList<int> widths, Device device);

    /// <summary>The (N, C, H, W) input of one image at <paramref name="size"/> pixels.</summary>
    int[] InputShape(int size);
}

/// <summary>
/// The hypernetwork side of a searching generator: its latents, its hyper layers, and the points where each
/// latent's channels appear as activations. It computes masks and widths, can zero pruned channels in the forward
/// pass (to check extraction), and extracts the compact generator (METHOD.md 2.4-2.6).
/// </summary>
public sealed class HyperNetwork
{
    readonly List<(Module Module, LatentRef Latent)> _sites = new();
    readonly List<Tensor> _maskTensors = new();

    internal HyperNetwork(LatentSet latents) => Latents = latents;

    /// <summary>Every latent (fixed image latents included).</summary>
    public LatentSet Latents { get; }

    /// <summary>The prunable latents in width-layout order.</summary>
    public IReadOnlyList<Latent> Prunable => Latents.Prunable;

    /// <summary>
    /// Records that <paramref name="module"/>'s output carries the channels of <paramref name="latent"/>: the last module
    /// (after the norm) before those channels are read by another layer or added to the residual stream.
    /// </summary>
    internal void AddSite(Module module, LatentRef latent) => _sites.Add((module, latent));

    /// <summary>Widths the masks keep, one per prunable latent (the compact generator's width list).</summary>
    public int[] Widths(float pruneThreshold, int minChannels) => Widths(ReadPrunable(), pruneThreshold, minChannels);

    /// <summary>Widths the masks of host copies <paramref name="values"/> of the prunable latents keep.</summary>
    internal int[] Widths(float[][] values, float pruneThreshold, int minChannels) =>
        Prunable.Select((l, i) => l.Mask(values[i], pruneThreshold, minChannels).Count(k => k)).ToArray();

    /// <summary>Host copies of the prunable latents' values, in order, read with one device-to-host copy.</summary>
    internal float[][] ReadPrunable()
    {
        var flat = HostRead.Flat(Prunable.Select(l => l.Value).ToList());
        var values = new float[Prunable.Count][];
        for (int i = 0, at = 0; i < values.Length; at += values[i].Length, i++) values[i] = flat[at..(at + Prunable[i].Channels)];
        return values;
    }

    /// <summary>Whether <paramref name="masks"/> holds one mask per prunable latent, each of its latent's length.</summary>
    internal bool Fits(IReadOnlyList<bool[]?> masks) =>
        masks.Count == Prunable.Count && masks.Select((m, i) => m != null && m.Length == Prunable[i].Channels).All(ok => ok);

    int IndexOf(Latent latent)
    {
        for (int i = 0; i < Prunable.Count; i++) if (ReferenceEquals(Prunable[i], latent)) return i;
        return -1;
    }

    /// <summary>
    /// When on, every pruned channel's activation is multiplied by zero where it is produced, so the full generator
    /// computes exactly what the compact one will (DHP searches unmasked; <see cref="SearchSettings.MaskPruned"/> masks).
    /// </summary>
    public void SetMasking(bool on, float pruneThreshold, int minChannels) =>
        SetMasks(on ? Prunable.Select(l => l.Mask(pruneThreshold, minChannels)).ToArray() : null);

    /// <summary>
    /// Zeroes, where they are produced, the activations of the channels <paramref name="masks"/> (one per prunable latent,
    /// in order) leave out; null removes the masking.
    /// </summary>
    /// <exception cref="ArgumentException">A mask does not fit its latent.</exception>
    internal void SetMasks(IReadOnlyList<bool[]>? masks)
    {
        if (masks != null && !Fits(masks))
            throw new ArgumentException($"Masking: {masks.Count} masks given for {Prunable.Count} prunable latents, or a mask of the wrong length.");
        foreach (var t in _maskTensors) t.Dispose();
        _maskTensors.Clear();
        foreach (var (module, latent) in _sites)
        {
            if (masks == null) { module.OutputHook = null; continue; }
            var mask = latent.Parts.SelectMany(l => IndexOf(l) is var i and >= 0 ? masks[i] : Enumerable.Repeat(true, l.Channels)).Select(k => k ? 1f : 0f).ToArray();
            var device = latent.Parts[0].Value.Device;
            var m = Tensor.FromArray(device, mask, mask.Length);
            Tape.Release(m);
            _maskTensors.Add(m);
            module.OutputHook = y => Ops.ChannelMask(y, m);
        }
    }

    /// <summary>
    /// Cuts out the compact generator: a plain generator of the masked widths whose conv weights are generated from
    /// the surviving latent entries only, with conv biases and norms sliced to the kept channels. The hypernetwork is
    /// not part of the result. <paramref name="masks"/>, one per prunable latent, replace the threshold masks of those
    /// latents (a search that has stopped cuts what it decided at its stop, whatever the latents did since).
    /// </summary>
    public Module Extract(IPrunableGenerator generator, Module hyperModel, float pruneThreshold, int minChannels, Device? device = null,
        IReadOnlyList<bool[]>? masks = null)
    {
        var widths = masks?.Select(m => m.Count(k => k)).ToArray() ?? Widths(pruneThreshold, minChannels);
        var plain = generator.BuildPlain(widths, device ?? Latents.All[0].Value.Device);
        try { CopyKept(hyperModel, plain, pruneThreshold, minChannels, masks); }
        catch { plain.Dispose(); throw; }
        return plain;
    }

    /// <summary>
    /// Copies what <see cref="Extract"/> keeps into <paramref name="target"/>, a generator of the same family built at
    /// the kept widths: plain (each conv takes its compact weight) or hyper (each hyper conv takes its hypernetwork
    /// sliced to the kept channel pairs and each latent its kept entries, so it computes the same function as the plain
    /// extraction and trains on in the hypernetwork's form). Conv biases and norms are sliced to the kept channels.
    /// </summary>
    /// <exception cref="ArgumentException">A mask does not fit its latent, or <paramref name="target"/> is not of the kept widths.</exception>
    public void CopyKept(Module hyperModel, Module target, float pruneThreshold, int minChannels, IReadOnlyList<bool[]>? masks = null)
    {
        if (masks != null && !Fits(masks))
            throw new ArgumentException($"Extraction: {masks.Count} masks given for {Prunable.Count} prunable latents, or a mask of the wrong length.");
        bool[] MaskOf(Latent l) => masks != null && IndexOf(l) is var i and >= 0 ? masks[i] : l.Mask(pruneThreshold, minChannels);
        bool[] RefMask(LatentRef r) => r.Parts.SelectMany(MaskOf).ToArray();
        var modules = target.NamedModules().ToDictionary(m => m.Path, m => m.Module);
        foreach (var (path, module) in hyperModel.NamedModules())
        {
            if (module is not HyperConv hc) continue;
            var keepIn = RefMask(hc.ZIn);
            var keepOut = RefMask(hc.ZOut);
            switch (modules[path])
            {
                case HyperConv into: hc.CopyKeptInto(into, keepIn, keepOut); break;
                case Layers.Conv2d c: SetConv(c.Weight, c.Bias); break;
                case Layers.ConvTranspose2d c: SetConv(c.Weight, c.Bias); break;
                case var other: throw new InvalidOperationException($"Extraction: {path} is a {other.GetType().Name} in the target generator, not a conv.");
            }

            void SetConv(Tensor weight, Tensor? bias)
            {
                weight.CopyFrom(hc.CompactWeight(keepIn, keepOut));
                if (hc.Bias != null && bias != null) bias.CopyFrom(Slice(hc.Bias.ToArray(), keepOut));
            }
        }
        foreach (var (module, latent) in _sites)
        {
            var keep = RefMask(latent);
            switch (module, modules[module.Path])
            {
                case (BatchNorm2d h, BatchNorm2d p):
                    p.Weight.CopyFrom(Slice(h.Weight.ToArray(), keep));
                    p.Bias.CopyFrom(Slice(h.Bias.ToArray(), keep));
                    p.RunningMean.CopyFrom(Slice(h.RunningMean.ToArray(), keep));
                    p.RunningVar.CopyFrom(Slice(h.RunningVar.ToArray(), keep));
                    p.NumBatchesTracked = h.NumBatchesTracked;
                    break;
                case (InstanceNorm2d { Weight: not null } h, InstanceNorm2d p):
                    p.Weight!.CopyFrom(Slice(h.Weight.ToArray(), keep));
                    p.Bias!.CopyFrom(Slice(h.Bias!.ToArray(), keep));
                    break;
            }
        }
        if (target is IPrunableGenerator { Hyper: { } targetHyper })
        {
            if (targetHyper.Latents.All.Count != Latents.All.Count)
                throw new ArgumentException($"Extraction: the target hyper generator has {targetHyper.Latents.All.Count} latents, the source {Latents.All.Count}.");
            for (int i = 0; i < Latents.All.Count; i++)
            {
                var (from, to) = (Latents.All[i], targetHyper.Latents.All[i]);
                var kept = Slice(from.Value.ToArray(), MaskOf(from));
                if (from.Name != to.Name || kept.Length != to.Channels)
                    throw new ArgumentException($"Extraction: latent {i} is {from.Name} with {kept.Length} kept entries, the target's is {to.Name} with {to.Channels}.");
                to.Value.CopyFrom(kept);
            }
        }
        target.Train(hyperModel.Training);
    }

    /// <summary>
    /// The plain generator of the same widths that computes what the hyper generator <paramref name="hyperModel"/>
    /// computes now: every channel kept, each conv weight generated once by the hypernetwork.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="hyperModel"/> is not a hyper generator.</exception>
    public static Module Materialise(Module hyperModel)
    {
        if (hyperModel is not IPrunableGenerator { Hyper: { } h } g)
            throw new ArgumentException($"Materialise: a {hyperModel.GetType().Name} without a hypernetwork is already plain.");
        return h.Extract(g, hyperModel, 0f, 0, masks: h.Prunable.Select(l => Enumerable.Repeat(true, l.Channels).ToArray()).ToArray());
    }

    /// <summary>MACs (torchprofile convention) of the compact generator the given widths describe, at <paramref name="size"/> pixels.</summary>
    public static long Macs(IPrunableGenerator generator, IReadOnlyList<int> widths, int size)
    {
        using var model = generator.BuildPlain(widths, Device.Meta);
        return MacCounter.Count(model, generator.InputShape(size)).Macs;
    }

    static float[] Slice(float[] values, bool[] keep) => values.Where((_, i) => keep[i]).ToArray();
}
