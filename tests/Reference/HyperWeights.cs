namespace CoroNetGAN.Tests;

public static partial class Ref
{
    /// <summary>
    /// METHOD.md 2.2 step by step in float64, as DHP's calc_weight writes it: Z = z_in z_outᵀ + B0; E = Z[...,None] w1 + b1;
    /// O = (W2 @ E[...,None]).squeeze(-1) + b2; W = O.reshape(Cin, Cout, k, k), permuted to (Cout, Cin, k, k) for a conv.
    /// </summary>
    public static Nd HyperWeight(Nd zIn, Nd zOut, Nd b0, Nd w1, Nd b1, Nd w2, Nd b2, int k, bool transposed)
    {
        int cin = zIn.Length, cout = zOut.Length, m = w1.Dim(2), kk = k * k;
        var o = new double[cin * cout * kk];
        for (int i = 0; i < cin; i++)
            for (int j = 0; j < cout; j++)
            {
                int p = i * cout + j;
                double z = zIn.Data[i] * zOut.Data[j] + b0.Data[p];
                for (int q = 0; q < kk; q++)
                {
                    double acc = b2.Data[p * kk + q];
                    for (int t = 0; t < m; t++) acc += w2.Data[(p * kk + q) * m + t] * (z * w1.Data[p * m + t] + b1.Data[p * m + t]);
                    o[(transposed ? p : j * cin + i) * kk + q] = acc;
                }
            }
        return transposed ? new Nd(o, cin, cout, k, k) : new Nd(o, cout, cin, k, k);
    }
}
