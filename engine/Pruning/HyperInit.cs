using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Engine.Pruning;

/// <summary>
/// Starts a pruning search from an already trained generator: sets a searching (hyper) generator so that at step 0
/// the weights its hypernetwork generates equal the trained generator's, and copies every other tensor (conv biases,
/// norm weights and running statistics) across.
/// </summary>
/// <remarks>
/// The parameterisation, and why. DHP generates each weight slice as
/// W[j,i] = (W2 w1)[i,j] (z_in[i] z_out[j] + B0[i,j]) + (W2 b1 + b2)[i,j] (METHOD.md 2.2). Two ways to make that equal
/// a given weight were weighed:
/// <list type="bullet">
/// <item>A fixed (or learnable) base term, the given weight put into b2 or beside the hypernetwork. It reproduces
/// trivially, but the base does not scale with the latents: a latent entry shrunk to zero leaves its channel's weights
/// almost as they were, so the channel keeps working during the search and vanishes only at extraction. The latents
/// would then carry little of the channel's effect, their gradients would say little about its importance, and the
/// proximal step would prune by initial magnitude rather than by what the trained network uses.</item>
/// <item>Fitting the product path, chosen here: every latent entry set to one, B0 = b1 = b2 = 0, and the explicit
/// layer W2 moved by the least-squares (minimum-norm) correction that makes W2 w1 equal each given slice
/// (<see cref="HyperConv.Reproduce"/>). Each generated slice is then z_in[i] z_out[j] times the trained slice, exactly
/// as a hypernetwork from scratch generates weights proportional to its latents: the gradient of a latent entry is
/// the first-order effect of scaling its channel, the proximal step shrinks that channel's weights with the entry,
/// and an entry at zero zeroes them (the search-time network and the extracted one agree).</item>
/// </list>
/// All latents start equal (one) rather than from the trained weights' norms: every pruned conv of the reference
/// generators is followed by a norm, which makes a filter's own scale meaningless as importance, so the search's
/// gradients and the proximal step alone rank the channels. Magnitude one matches DHP's N(0, 1) latents in scale, so
/// its threshold (5e-3) and lambda keep their meaning.
/// </remarks>
public static class HyperInit
{
    /// <summary>
    /// Sets <paramref name="hyperGenerator"/> (built with <see cref="HyperOptions"/>) to reproduce
    /// <paramref name="trained"/>, a plain full-width generator of the same family and settings.
    /// </summary>
    /// <param name="hyperGenerator">The searching generator; all its latents are set to one.</param>
    /// <param name="trained">The trained plain generator (unchanged).</param>
    /// <param name="source">Where the trained weights came from (a file name), for error messages.</param>
    /// <exception cref="StateDictMismatchException">The trained generator's keys or shapes differ from a full-width plain
    /// generator of the searching one's settings (another width, block count, depth or norm); each key is named with
    /// both shapes.</exception>
    /// <exception cref="ArgumentException">The generator was not built with a hypernetwork, or a weight is not finite.</exception>
    public static void FromPlain(Module hyperGenerator, Module trained, string? source = null)
    {
        if (hyperGenerator is not IPrunableGenerator { Hyper: { } hyper } g)
            throw new ArgumentException("Starting a search from trained weights needs a generator built with a hypernetwork (HyperOptions).");
        var tensors = StateDict.Export(trained).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        // The plain twin of the searching generator names exactly the keys and shapes the trained one must have.
        using (var twin = g.BuildPlain(hyper.Prunable.Select(l => l.Channels).ToArray(), Device.Cpu))
            StateDict.Load(twin, tensors, source ?? "the trained generator");
        StateDict.RequireFinite(tensors, source);

        foreach (var latent in hyper.Latents.All)
            latent.Value.CopyFrom(Enumerable.Repeat(1f, latent.Value.Length).ToArray());
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, module) in hyperGenerator.NamedModules())
        {
            switch (module)
            {
                case HyperConv hc:
                    hc.Reproduce(tensors[path + ".weight"].ToFloats());
                    used.Add(path + ".weight");
                    break;
                case BatchNorm2d bn:
                    bn.NumBatchesTracked = tensors[path + "." + StateDict.NumBatchesTracked].ToInt64s()[0];
                    used.Add(path + "." + StateDict.NumBatchesTracked);
                    break;
            }
        }
        foreach (var (name, t) in hyperGenerator.NamedParameters().Concat(hyperGenerator.NamedBuffers()))
        {
            if (!tensors.TryGetValue(name, out var value)) continue;
            t.CopyFrom(value.ToFloats());
            used.Add(name);
        }
        var left = tensors.Keys.Where(k => !used.Contains(k)).ToList();
        if (left.Count > 0)
            throw new InvalidOperationException($"{source ?? "the trained generator"}: {left.Count} tensor(s) found no place in the searching generator: {string.Join(", ", left.Take(5))}.");
    }
}
