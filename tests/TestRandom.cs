namespace CoroNetGAN.Tests;

/// <summary>Seeded random test data. Every value is rounded to float32 so the engine and the references see the same numbers.</summary>
public static class TestRandom
{
    /// <summary>A stable seed for a case name (string.GetHashCode is randomised per process; this is FNV-1a).</summary>
    public static int Seed(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text) { h ^= ch; h *= 16777619; }
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>Uniform in [lo, hi).</summary>
    public static Func<Random, double> Uniform(double lo, double hi) => r => lo + (hi - lo) * r.NextDouble();

    /// <summary>A magnitude uniform in [min, max) with a random sign: keeps values away from 0 (kinks of relu, |.|).</summary>
    public static Func<Random, double> AwayFromZero(double min, double max) =>
        r => (r.Next(2) == 0 ? -1 : 1) * (min + (max - min) * r.NextDouble());

    /// <summary>An array of the shape with values from <paramref name="sample"/> (uniform in [-1, 1) by default), float32-exact.</summary>
    public static Nd Array(Random r, int[] shape, Func<Random, double>? sample = null)
    {
        sample ??= Uniform(-1, 1);
        var a = new Nd(shape);
        for (int i = 0; i < a.Length; i++) a.Data[i] = (float)sample(r);
        if (a.Data.All(v => v == 0)) throw new InvalidOperationException("random test data came out all zeros");
        return a;
    }
}
