using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// DHP weight generation on ILGPU, the same math as <see cref="Cpu.HyperWeights"/>: one work-item per
/// (input, output) channel pair does the whole latent -> embedding -> explicit chain for its k*k slice, forward
/// or backward; two small kernels then sum the latent gradients (one work-item per latent entry, no atomics).
/// </summary>
public static class HyperWeightKernels
{
    /// <summary>The largest embedding size the kernels keep in registers.</summary>
    public const int MaxEmbedding = 16;

    /// <summary>Generates the weight for pairs p = i*Cout + j.</summary>
    public static void Forward(Index1D t, ArrayView<float> zIn, ArrayView<float> zOut, ArrayView<float> b0, ArrayView<float> w1,
        ArrayView<float> b1, ArrayView<float> w2, ArrayView<float> b2, ArrayView<float> w, HyperShape s, int stride)
    {
        int pairs = s.Cin * s.Cout, m = s.M, kk = s.KK;
        for (int p = t; p < pairs; p += stride)
        {
            int i = p / s.Cout, j = p - i * s.Cout;
            float z = zIn[i] * zOut[j] + b0[p];
            int wo = s.WeightOffset(i, j);
            for (int q = 0; q < kk; q++)
            {
                float acc = b2[p * kk + q];
                int row = (p * kk + q) * m;
                // E is recomputed per q rather than stored: no per-thread arrays, and M is small (8).
                for (int e = 0; e < m; e++) acc += w2[row + e] * (z * w1[p * m + e] + b1[p * m + e]);
                w[wo + q] = acc;
            }
        }
    }

    /// <summary>Per-pair gradients: dB0 (= dZ), dw1, db1, dW2, db2 from dw.</summary>
    public static void BackwardPairs(Index1D t, ArrayView<float> zIn, ArrayView<float> zOut, ArrayView<float> b0, ArrayView<float> w1,
        ArrayView<float> b1, ArrayView<float> w2, ArrayView<float> dw, ArrayView<float> db0, ArrayView<float> dw1,
        ArrayView<float> db1, ArrayView<float> dw2, ArrayView<float> db2, HyperShape s, int stride)
    {
        int pairs = s.Cin * s.Cout, m = s.M, kk = s.KK;
        for (int p = t; p < pairs; p += stride)
        {
            int i = p / s.Cout, j = p - i * s.Cout;
            float z = zIn[i] * zOut[j] + b0[p];
            int wo = s.WeightOffset(i, j);
            float dz = 0f;
            for (int e = 0; e < m; e++)
            {
                float ev = z * w1[p * m + e] + b1[p * m + e];
                float de = 0f;
                for (int q = 0; q < kk; q++)
                {
                    float g = dw[wo + q];
                    int idx = (p * kk + q) * m + e;
                    dw2[idx] = g * ev;
                    de += w2[idx] * g;
                }
                dw1[p * m + e] = de * z;
                db1[p * m + e] = de;
                dz += de * w1[p * m + e];
            }
            for (int q = 0; q < kk; q++) db2[p * kk + q] = dw[wo + q];
            db0[p] = dz;
        }
    }

    /// <summary>dz_in[i] = sum_j dZ[i,j] z_out[j].</summary>
    public static void LatentInGrad(Index1D t, ArrayView<float> db0, ArrayView<float> zOut, ArrayView<float> dzIn, int cin, int cout, int stride)
    {
        for (int i = t; i < cin; i += stride)
        {
            float acc = 0f;
            for (int j = 0; j < cout; j++) acc += db0[i * cout + j] * zOut[j];
            dzIn[i] = acc;
        }
    }

    /// <summary>dz_out[j] = sum_i dZ[i,j] z_in[i].</summary>
    public static void LatentOutGrad(Index1D t, ArrayView<float> db0, ArrayView<float> zIn, ArrayView<float> dzOut, int cin, int cout, int stride)
    {
        for (int j = t; j < cout; j += stride)
        {
            float acc = 0f;
            for (int i = 0; i < cin; i++) acc += db0[i * cout + j] * zIn[i];
            dzOut[j] = acc;
        }
    }
}

/// <summary>The proximal (soft-threshold) step of the search, as <see cref="Cpu.Proximal"/>.</summary>
public static class ProximalKernels
{
    /// <summary>One work-item: the whole (short) latent vector, so the count and the k-th magnitude need no reduction.</summary>
    public static void SoftThreshold(Index1D t, ArrayView<float> z, int n, float thr, float pruneThreshold, int minChannels, int exempt)
    {
        if (t != 0) return;
        int alive = 0;
        for (int i = 0; i < n; i++) if (Abs(z[i]) >= pruneThreshold) alive++;
        if (alive <= minChannels || thr <= 0f) return;
        // The k-th largest magnitude with ties, walking down the distinct values (no per-thread storage).
        float keep = float.PositiveInfinity;
        int above = 0;
        if (exempt > 0)
        {
            float prev = float.PositiveInfinity;
            keep = 0f;
            for (int level = 0; level < n; level++)
            {
                float cur = -1f;
                for (int i = 0; i < n; i++) { float a = Abs(z[i]); if (a < prev && a > cur) cur = a; }
                if (cur < 0f) { keep = 0f; break; }
                int c = 0;
                for (int i = 0; i < n; i++) if (Abs(z[i]) == cur) c++;
                if (above + c >= exempt) { keep = cur; break; }
                above += c;
                prev = cur;
            }
        }
        int ties = exempt - above;
        for (int i = 0; i < n; i++)
        {
            float v = z[i];
            float a = Abs(v);
            if (a > keep) continue;
            if (a == keep && ties > 0 && a > 0f) { ties--; continue; }
            z[i] = a <= thr ? 0f : (v < 0f ? -(a - thr) : a - thr);
        }
    }

    static float Abs(float v) => v < 0f ? -v : v;
}
