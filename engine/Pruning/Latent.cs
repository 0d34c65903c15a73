using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Pruning;

// Inside the namespace: there it wins over the namespace CoroNetGAN.Engine.Ops, so calls read Ops.X.
using Ops = CoroNetGAN.Engine.Ops.Ops;

/// <summary>
/// One latent vector of the hypernetwork (DHP): one entry per channel of a layer's output, stored as a
/// [1, C, 1, 1] parameter so latents concatenate like feature maps. A zero entry is a pruned channel. Fixed
/// latents (the image's input and output channels) are trained but never thresholded or pruned.
/// </summary>
public sealed class Latent
{
    internal Latent(string name, Tensor value, bool isFixed)
    {
        Name = name;
        Value = value;
        IsFixed = isFixed;
    }

    /// <summary>Its name in the generator's width layout (c1, d1, R, b1, ..., u2) or in/out for the image.</summary>
    public string Name { get; }

    /// <summary>The parameter [1, C, 1, 1].</summary>
    public Tensor Value { get; }

    /// <summary>Whether the latent belongs to the image (never pruned).</summary>
    public bool IsFixed { get; }

    /// <summary>Number of entries (channels).</summary>
    public int Channels => Value.Dim(1);

    /// <summary>
    /// The channels kept (DHP's mask): |z| &gt;= min(threshold, the minChannels-th largest |z|), so at least
    /// minChannels survive; every channel of a fixed latent.
    /// </summary>
    public bool[] Mask(float pruneThreshold, int minChannels) => Mask(Value.ToArray(), pruneThreshold, minChannels);

    /// <summary>The mask of <see cref="Mask(float, int)"/> for host <paramref name="z"/>, this latent's values or candidates for them.</summary>
    internal bool[] Mask(float[] z, float pruneThreshold, int minChannels)
    {
        if (IsFixed) return z.Select(_ => true).ToArray();
        var mags = z.Select(MathF.Abs).OrderByDescending(a => a).ToArray();
        float kth = minChannels <= 0 ? float.PositiveInfinity : mags[Math.Min(minChannels, mags.Length) - 1];
        float cut = Math.Min(pruneThreshold, kth);
        return z.Select(v => MathF.Abs(v) >= cut).ToArray();
    }
}

/// <summary>
/// The latent of a layer's input or output channels: one latent, or several concatenated in feature order
/// (the input of a U-Net up conv is cat(skip, upsampled), so its latent is cat(z_skip, z_up)).
/// </summary>
public sealed class LatentRef
{
    /// <summary>A reference to the concatenation of <paramref name="parts"/>.</summary>
    public LatentRef(params Latent[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("A latent reference needs at least one latent.");
        Parts = parts;
    }

    /// <summary>The latents, in channel order.</summary>
    public IReadOnlyList<Latent> Parts { get; }

    /// <summary>Total channels.</summary>
    public int Channels => Parts.Sum(p => p.Channels);

    /// <summary>The latent values as one [1, C, 1, 1] tensor (recorded on the tape, so gradients reach every part).</summary>
    public Tensor Value()
    {
        var v = Parts[0].Value;
        for (int i = 1; i < Parts.Count; i++) v = Ops.Concat(v, Parts[i].Value);
        return v;
    }

    /// <summary>The concatenated mask.</summary>
    public bool[] Mask(float pruneThreshold, int minChannels) =>
        Parts.SelectMany(p => p.Mask(pruneThreshold, minChannels)).ToArray();
}
