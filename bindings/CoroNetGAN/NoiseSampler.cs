using CoroNetGAN.Engine.Models.Families;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN;

/// <summary>
/// A generator from noise (DCGAN) loaded for inference: draws images from N(0, 1) noise, the counterpart of
/// <see cref="Generator"/> (which translates images and refuses these models). Calls are serialized by a lock.
/// </summary>
public sealed class NoiseSampler : IDisposable
{
    readonly object _gate = new();
    readonly Module _model;
    readonly int[] _noise;

    NoiseSampler(Module model, GeneratorFamily family)
    {
        _model = model;
        var spec = family.Spec(model);
        _noise = family.InputShape(spec, 0);
        ImageSize = family.DefaultImageSize(spec);
        _model.Eval();
    }

    /// <summary>Loads a generator-from-noise model file (a dcgan run's compact.safetensors) on <paramref name="device"/>, which the caller keeps.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a CoroNetGAN model file.</exception>
    /// <exception cref="ArgumentException">The file holds an image-to-image generator or a discriminator.</exception>
    public static NoiseSampler Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        var model = ModelFile.Load(path, device);
        if (GeneratorFamilies.Find(model) is not { TranslatesImages: false } family)
        {
            string arch = ModelFile.Describe(model).Architecture;
            model.Dispose();
            throw new ArgumentException($"{path} is a {arch}, which is no generator from noise: translate images with it instead.");
        }
        return new NoiseSampler(model, family);
    }

    /// <summary>Whether the model file at <paramref name="path"/> holds a generator from noise (reads only its header).</summary>
    public static bool IsNoiseModel(string path) =>
        File.Exists(path) && ModelFile.ReadArchitecture(path) is { } arch && GeneratorFamilies.ByArchitecture(arch) is { TranslatesImages: false };

    /// <summary>Output height and width.</summary>
    public int ImageSize { get; }

    /// <summary>Noise channels (nz).</summary>
    public int NoiseChannels => _noise[1];

    /// <summary>
    /// <paramref name="count"/> images from noise drawn with <paramref name="seed"/> (the same seed gives the same images):
    /// NCHW floats in [-1, 1], 3 x <see cref="ImageSize"/> squared each.
    /// </summary>
    public float[] Sample(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            using var scope = Tape.NoGrad();
            var device = _model.NamedParameters().First().Tensor.Device;
            var z = Tensor.RandomNormal(device, seed, 0f, 1f, count, _noise[1], _noise[2], _noise[3]);
            return _model.Forward(z).ToArray();
        }
    }

    /// <summary>Frees the model.</summary>
    public void Dispose() => _model.Dispose();
}
