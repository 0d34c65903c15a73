namespace CoroNetGAN.Tests;

/// <summary>
/// The three reference networks written again in float64 from pytorch-CycleGAN-and-pix2pix's definitions,
/// reading parameters by their state_dict keys; the oracle for the engine's models.
/// </summary>
public static class RefModels
{
    public enum Norm { Instance, Batch }

    static Nd? Opt(IReadOnlyDictionary<string, Nd> p, string key) => p.TryGetValue(key, out var v) ? v : null;

    static Nd Conv(IReadOnlyDictionary<string, Nd> p, string k, Nd x, int stride, int pad) =>
        Ref.Conv2d(x, p[k + ".weight"], Opt(p, k + ".bias"), stride, pad);

    static Nd ConvT(IReadOnlyDictionary<string, Nd> p, string k, Nd x, int stride, int pad, int outPad) =>
        Ref.ConvTranspose2d(x, p[k + ".weight"], Opt(p, k + ".bias"), stride, pad, outPad);

    static Nd NormOf(IReadOnlyDictionary<string, Nd> p, string k, Nd x, Norm norm) => norm == Norm.Instance
        ? Ref.InstanceNorm(x, Opt(p, k + ".weight"), Opt(p, k + ".bias"))
        : Ref.BatchNormTrain(x, p[k + ".weight"], p[k + ".bias"]);

    /// <summary>ResnetGenerator with reflection padding, no dropout.</summary>
    public static Nd Resnet(IReadOnlyDictionary<string, Nd> p, Nd x, int blocks, Norm norm)
    {
        var h = Ref.Relu(NormOf(p, "model.2", Conv(p, "model.1", Ref.ReflectionPad2d(x, 3), 1, 0), norm));
        h = Ref.Relu(NormOf(p, "model.5", Conv(p, "model.4", h, 2, 1), norm));
        h = Ref.Relu(NormOf(p, "model.8", Conv(p, "model.7", h, 2, 1), norm));
        for (int b = 0; b < blocks; b++)
        {
            string k = $"model.{10 + b}.conv_block";
            var t = Ref.Relu(NormOf(p, k + ".2", Conv(p, k + ".1", Ref.ReflectionPad2d(h, 1), 1, 0), norm));
            t = NormOf(p, k + ".6", Conv(p, k + ".5", Ref.ReflectionPad2d(t, 1), 1, 0), norm);
            h = Ref.Add(h, t);
        }
        int i = 10 + blocks;
        h = Ref.Relu(NormOf(p, $"model.{i + 1}", ConvT(p, $"model.{i}", h, 2, 1, 1), norm));
        h = Ref.Relu(NormOf(p, $"model.{i + 4}", ConvT(p, $"model.{i + 3}", h, 2, 1, 1), norm));
        return Ref.Tanh(Conv(p, $"model.{i + 7}", Ref.ReflectionPad2d(h, 3), 1, 0));
    }

    /// <summary>UnetGenerator without dropout: nested skip blocks, the skip carrying LeakyReLU(x).</summary>
    public static Nd Unet(IReadOnlyDictionary<string, Nd> p, Nd x, int numDowns, Norm norm)
    {
        Nd Block(int level, string k, Nd input)
        {
            if (level == 1)
            {
                var s = Block(2, k + ".1.model", Conv(p, k + ".0", input, 2, 1));
                return Ref.Tanh(ConvT(p, k + ".3", Ref.Relu(s), 2, 1, 0));
            }
            var h = Ref.LeakyRelu(input, 0.2);
            if (level == numDowns)
            {
                var u = NormOf(p, k + ".4", ConvT(p, k + ".3", Ref.Relu(Conv(p, k + ".1", h, 2, 1)), 2, 1, 0), norm);
                return Ref.Concat(h, u);
            }
            var d = NormOf(p, k + ".2", Conv(p, k + ".1", h, 2, 1), norm);
            var sub = Block(level + 1, k + ".3.model", d);
            var up = NormOf(p, k + ".6", ConvT(p, k + ".5", Ref.Relu(sub), 2, 1, 0), norm);
            return Ref.Concat(h, up);
        }
        return Block(1, "model.model", x);
    }

    /// <summary>NLayerDiscriminator with 3 layers.</summary>
    public static Nd PatchGan3(IReadOnlyDictionary<string, Nd> p, Nd x, Norm norm)
    {
        var h = Ref.LeakyRelu(Conv(p, "model.0", x, 2, 1), 0.2);
        h = Ref.LeakyRelu(NormOf(p, "model.3", Conv(p, "model.2", h, 2, 1), norm), 0.2);
        h = Ref.LeakyRelu(NormOf(p, "model.6", Conv(p, "model.5", h, 2, 1), norm), 0.2);
        h = Ref.LeakyRelu(NormOf(p, "model.9", Conv(p, "model.8", h, 1, 1), norm), 0.2);
        return Conv(p, "model.11", h, 1, 1);
    }
}
