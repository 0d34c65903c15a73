namespace CoroNetGAN.Engine.Tensors;

/// <summary>Reading several tensors to the host at once. Stateless: thread-safe for distinct tensors.</summary>
internal static class HostRead
{
    /// <summary>
    /// The values of <paramref name="tensors"/> (all on one device), concatenated in order, with a single
    /// device-to-host copy: on the device they are first gathered into one buffer by a chain of concatenations,
    /// far cheaper on a GPU than a sync per tensor.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor lives on another device than the first.</exception>
    public static float[] Flat(IReadOnlyList<Tensor> tensors)
    {
        if (tensors.Count == 0) return [];
        var device = tensors[0].Device;
        int total = 0;
        foreach (var t in tensors)
        {
            if (t.Device != device) throw new ArgumentException($"HostRead: {t.Describe()} is not on {device.Name} like the first tensor.");
            total = checked(total + t.Length);
        }
        var values = new float[total];
        if (tensors.Count == 1)
        {
            device.Download(tensors[0].Storage, values);
            return values;
        }
        var a = device.Rent(total);
        var b = device.Rent(total);
        try
        {
            device.Backend.Copy(tensors[0].Storage, a, tensors[0].Length);
            int at = tensors[0].Length;
            for (int i = 1; i < tensors.Count; i++)
            {
                // As channel concatenation of one image of plane 1: b = [a[0..at), t_i].
                device.Backend.ConcatChannels(a, tensors[i].Storage, b, 1, at, tensors[i].Length, 1);
                at += tensors[i].Length;
                (a, b) = (b, a);
            }
            device.Download(a, values);
        }
        finally
        {
            device.Return(a);
            device.Return(b);
        }
        return values;
    }
}
