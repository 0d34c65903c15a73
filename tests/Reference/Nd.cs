namespace CoroNetGAN.Tests;

/// <summary>A float64 array with a shape, row-major (NCHW): the data type of the reference implementations.</summary>
public sealed class Nd
{
    /// <summary>A zero array of the shape.</summary>
    public Nd(params int[] shape) : this(new double[Count(shape)], shape) { }

    /// <summary>An array over <paramref name="data"/> (not copied).</summary>
    public Nd(double[] data, params int[] shape)
    {
        if (data.Length != Count(shape)) throw new ArgumentException($"{data.Length} values for shape [{string.Join(",", shape)}]");
        Data = data;
        Shape = (int[])shape.Clone();
    }

    public double[] Data { get; }
    public int[] Shape { get; }
    public int Length => Data.Length;
    public int Dim(int i) => Shape[i];

    public static int Count(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    public Nd Clone() => new((double[])Data.Clone(), Shape);

    public float[] ToFloats() => Data.Select(v => (float)v).ToArray();

    public static Nd FromFloats(float[] data, params int[] shape) => new(data.Select(v => (double)v).ToArray(), shape);

    /// <summary>Sum of the elementwise product (the scalar a test differentiates: L = sum(y * R)).</summary>
    public double Dot(Nd other)
    {
        if (other.Length != Length) throw new ArgumentException("Dot: lengths differ");
        double s = 0;
        for (int i = 0; i < Length; i++) s += Data[i] * other.Data[i];
        return s;
    }

    public override string ToString() => $"Nd[{string.Join(",", Shape)}]";
}
