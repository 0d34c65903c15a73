namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// The proximal step of DHP's search (METHOD.md 2.3): soft-thresholding z = sign(z) max(|z| - thr, 0), the prox
/// of thr*||z||_1, applied only while more than minChannels entries are at least the prune threshold.
/// </summary>
/// <remarks>
/// One addition to DHP, chosen by the caller: the <c>exempt</c> largest entries are left alone, so a step can never
/// leave fewer than that many non-zero channels (DHP can overshoot in one step and relies on the mask's top-k to
/// recover; a latent shrunk to all zeros would leave the mask nothing to rank). With exempt = 0 this is DHP's
/// soft_thresholding exactly.
/// </remarks>
public static unsafe class Proximal
{
    /// <summary>Soft-thresholds z in place, leaving its <paramref name="exempt"/> largest entries alone; returns whether it did.</summary>
    public static bool SoftThreshold(float* z, int n, float thr, float pruneThreshold, int minChannels, int exempt)
    {
        int alive = 0;
        for (int i = 0; i < n; i++) if (MathF.Abs(z[i]) >= pruneThreshold) alive++;
        if (alive <= minChannels || thr <= 0f) return false;
        float keep = KthLargestAbs(z, n, exempt, out int above);
        // Entries above the k-th magnitude are exempt, and as many ties at it as complete the k.
        int ties = exempt - above;
        for (int i = 0; i < n; i++)
        {
            float a = MathF.Abs(z[i]);
            if (a > keep) continue;
            if (a == keep && ties > 0 && a > 0f) { ties--; continue; }
            z[i] = a <= thr ? 0f : MathF.CopySign(a - thr, z[i]);
        }
        return true;
    }

    /// <summary>
    /// The k-th largest |z| counting ties (+infinity for k = 0, 0 when k exceeds n), and how many entries are
    /// strictly larger. Walks down the distinct magnitudes, so it needs no storage (the ILGPU kernel does the same).
    /// </summary>
    public static float KthLargestAbs(float* z, int n, int k, out int above)
    {
        above = 0;
        if (k <= 0) return float.PositiveInfinity;
        float prev = float.PositiveInfinity;
        while (true)
        {
            float cur = -1f;
            for (int i = 0; i < n; i++) { float a = MathF.Abs(z[i]); if (a < prev && a > cur) cur = a; }
            if (cur < 0f) return 0f;
            int c = 0;
            for (int i = 0; i < n; i++) if (MathF.Abs(z[i]) == cur) c++;
            if (above + c >= k) return cur;
            above += c;
            prev = cur;
        }
    }
}
