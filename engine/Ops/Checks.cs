using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Ops;

/// <summary>Argument checks shared by the ops; every message names the op and the tensors involved.</summary>
internal static class Checks
{
    /// <summary>The common device of the given tensors (nulls skipped), or an error naming the two that differ.</summary>
    public static Device SameDevice(string op, params (string Role, Tensor? T)[] args)
    {
        Device? device = null;
        string first = "";
        foreach (var (role, t) in args)
        {
            if (t == null) continue;
            if (t.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"{op}: {role} {t.Describe()} was disposed.");
            if (device == null) { device = t.Device; first = role; }
            else if (!ReferenceEquals(device, t.Device))
                throw new ArgumentException($"{op}: {first} is on {device.Name} but {role} {t.Describe()} is on another device; move both to one device.");
        }
        return device ?? throw new ArgumentException($"{op}: no tensor arguments.");
    }

    public static void Rank(string op, string role, Tensor t, int rank)
    {
        if (t.Rank != rank) throw new ArgumentException($"{op}: {role} must have {rank} dimensions, got {t.Describe()}.");
    }

    public static void SameShape(string op, string roleA, Tensor a, string roleB, Tensor b)
    {
        if (!a.Dims.AsSpan().SequenceEqual(b.Dims))
            throw new ArgumentException($"{op}: {roleA} {Tensor.Format(a.Dims)} and {roleB} {Tensor.Format(b.Dims)} must have the same shape.");
    }

    public static void ChannelVector(string op, string role, Tensor? t, int channels, Tensor x)
    {
        if (t != null && (t.Length != channels))
            throw new ArgumentException($"{op}: {role} {Tensor.Format(t.Dims)} must have {channels} elements, one per channel of input {Tensor.Format(x.Dims)}.");
    }

    public static DeviceStorage? Opt(Tensor? t) => t?.Storage;
}
