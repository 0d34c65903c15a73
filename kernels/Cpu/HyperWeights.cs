using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// DHP weight generation (Li et al., ECCV 2020; METHOD.md 2.2), fused: for every input/output channel pair
/// (i, j), Z = z_in[i] z_out[j] + B0[i,j], E = Z w1[i,j,:] + b1[i,j,:] (M values), and the k*k weight slice
/// W[i,j,:] = W2[i,j] E + b2[i,j]. There is no nonlinearity, so the backward pass is closed-form per pair; only the
/// two latent gradients sum across pairs.
/// </summary>
public static unsafe class HyperWeights
{
    /// <summary>Generates the weight.</summary>
    public static void Forward(CpuKernelOptions o, float* zIn, float* zOut, float* b0, float* w1, float* b1, float* w2, float* b2, float* w, HyperShape s) =>
        Par.For(o, s.Cin, 1, (i0, i1) =>
        {
            int m = s.M, kk = s.KK;
            if (m == 8)
            {
                // The default embedding fills one Vector256: E in a register, each tap a dot product with a W2 row.
                for (int i = (int)i0; i < i1; i++)
                    for (int j = 0; j < s.Cout; j++)
                    {
                        int p = s.Pair(i, j);
                        float z = zIn[i] * zOut[j] + b0[p];
                        var ev = Vector256.FusedMultiplyAdd(Vector256.Create(z), Vector256.Load(w1 + (long)p * 8), Vector256.Load(b1 + (long)p * 8));
                        float* w2p = w2 + (long)p * kk * 8, b2p = b2 + (long)p * kk;
                        float* dst = w + s.WeightOffset(i, j);
                        for (int q = 0; q < kk; q++) dst[q] = b2p[q] + Vector256.Sum(Vector256.Load(w2p + q * 8) * ev);
                    }
                return;
            }
            float* e = stackalloc float[m];
            for (int i = (int)i0; i < i1; i++)
                for (int j = 0; j < s.Cout; j++)
                {
                    int p = s.Pair(i, j);
                    float z = zIn[i] * zOut[j] + b0[p];
                    float* w1p = w1 + (long)p * m, b1p = b1 + (long)p * m;
                    for (int t = 0; t < m; t++) e[t] = z * w1p[t] + b1p[t];
                    float* w2p = w2 + (long)p * kk * m, b2p = b2 + (long)p * kk;
                    float* dst = w + s.WeightOffset(i, j);
                    for (int q = 0; q < kk; q++)
                    {
                        float acc = b2p[q];
                        float* row = w2p + q * m;
                        for (int t = 0; t < m; t++) acc += row[t] * e[t];
                        dst[q] = acc;
                    }
                }
        });

    /// <summary>
    /// Gradients of every input from the weight gradient dw (same layout as the generated weight). All outputs are
    /// overwritten. dB0 doubles as the per-pair dZ from which the latent gradients are summed.
    /// </summary>
    public static void Backward(CpuKernelOptions o, float* zIn, float* zOut, float* b0, float* w1, float* b1, float* w2, float* dw,
        float* dzIn, float* dzOut, float* db0, float* dw1, float* db1, float* dw2, float* db2, HyperShape s)
    {
        Par.For(o, s.Cin, 1, (i0, i1) =>
        {
            int m = s.M, kk = s.KK;
            if (m == 8)
            {
                for (int i = (int)i0; i < i1; i++)
                {
                    double dzi = 0;
                    for (int j = 0; j < s.Cout; j++)
                    {
                        int p = s.Pair(i, j);
                        float z = zIn[i] * zOut[j] + b0[p];
                        var w1v = Vector256.Load(w1 + (long)p * 8);
                        var ev = Vector256.FusedMultiplyAdd(Vector256.Create(z), w1v, Vector256.Load(b1 + (long)p * 8));
                        var dev = Vector256<float>.Zero;
                        float* w2p = w2 + (long)p * kk * 8, dw2p = dw2 + (long)p * kk * 8;
                        float* g = dw + s.WeightOffset(i, j);
                        float* db2p = db2 + (long)p * kk;
                        for (int q = 0; q < kk; q++)
                        {
                            var gq = Vector256.Create(g[q]);
                            db2p[q] = g[q];
                            (gq * ev).Store(dw2p + q * 8);
                            dev = Vector256.FusedMultiplyAdd(Vector256.Load(w2p + q * 8), gq, dev);
                        }
                        (dev * Vector256.Create(z)).Store(dw1 + (long)p * 8);
                        dev.Store(db1 + (long)p * 8);
                        float dz = Vector256.Sum(dev * w1v);
                        db0[p] = dz;
                        dzi += (double)dz * zOut[j];
                    }
                    dzIn[i] = (float)dzi;
                }
                return;
            }
            float* e = stackalloc float[m];
            float* de = stackalloc float[m];
            for (int i = (int)i0; i < i1; i++)
            {
                double dzi = 0;
                for (int j = 0; j < s.Cout; j++)
                {
                    int p = s.Pair(i, j);
                    float z = zIn[i] * zOut[j] + b0[p];
                    float* w1p = w1 + (long)p * m, b1p = b1 + (long)p * m;
                    for (int t = 0; t < m; t++) { e[t] = z * w1p[t] + b1p[t]; de[t] = 0f; }
                    float* w2p = w2 + (long)p * kk * m, dw2p = dw2 + (long)p * kk * m;
                    float* g = dw + s.WeightOffset(i, j);
                    float* db2p = db2 + (long)p * kk;
                    for (int q = 0; q < kk; q++)
                    {
                        float gq = g[q];
                        db2p[q] = gq;
                        float* row = w2p + q * m, drow = dw2p + q * m;
                        for (int t = 0; t < m; t++) { drow[t] = gq * e[t]; de[t] += row[t] * gq; }
                    }
                    float dz = 0f;
                    float* dw1p = dw1 + (long)p * m, db1p = db1 + (long)p * m;
                    for (int t = 0; t < m; t++) { dw1p[t] = de[t] * z; db1p[t] = de[t]; dz += de[t] * w1p[t]; }
                    db0[p] = dz;
                    dzi += (double)dz * zOut[j];
                }
                dzIn[i] = (float)dzi;
            }
        });
        Par.Each(o, s.Cout, j =>
        {
            double acc = 0;
            for (int i = 0; i < s.Cin; i++) acc += (double)db0[s.Pair(i, j)] * zIn[i];
            dzOut[j] = (float)acc;
        });
    }
}
