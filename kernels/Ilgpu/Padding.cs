using ILGPU;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>Reflection padding (PyTorch ReflectionPad2d) of every [H, W] plane, forward and adjoint.</summary>
public static class PaddingKernels
{
    /// <summary>Source index of padded coordinate p (already shifted by -pad) in a line of length len.</summary>
    private static int Reflect(int p, int len)
    {
        if (p < 0) return -p;
        if (p >= len) return 2 * (len - 1) - p;
        return p;
    }

    /// <summary>y[plane, i, j] = x[plane, reflect(i - pad), reflect(j - pad)]; grid-stride over y.</summary>
    public static void ReflectionPadForward(Index1D t, ArrayView<float> x, ArrayView<float> y,
        int h, int w, int pad, int n, int stride)
    {
        int hp = h + 2 * pad, wp = w + 2 * pad, planeP = hp * wp;
        for (int i = t; i < n; i += stride)
        {
            int pl = i / planeP, r = i - pl * planeP;
            int oy = r / wp, ox = r - oy * wp;
            y[i] = x[pl * h * w + Reflect(oy - pad, h) * w + Reflect(ox - pad, w)];
        }
    }

    /// <summary>
    /// Padded coordinate of candidate k (0: direct copy, 1: mirrored at the low edge, 2: mirrored at the high
    /// edge) that reads source coordinate s, or -1 when that candidate does not exist. With pad &lt; len a
    /// source coordinate is copied at most once per candidate, and candidates 1 and 2 exclude the edges
    /// themselves because the mirror does not repeat them.
    /// </summary>
    private static int Candidate(int k, int s, int len, int pad)
    {
        int p;
        if (k == 0) p = s + pad;
        else if (k == 1) { if (s == 0) return -1; p = pad - s; }
        else { if (s == len - 1) return -1; p = pad + 2 * (len - 1) - s; }
        if (p < 0 || p >= len + 2 * pad) return -1;
        return Reflect(p - pad, len) == s ? p : -1;
    }

    /// <summary>dx[plane, a, b] = sum of every dy element copied from it; a gather per dx element (no atomics).</summary>
    public static void ReflectionPadBackward(Index1D t, ArrayView<float> dy, ArrayView<float> dx,
        int h, int w, int pad, int n, int stride)
    {
        int hp = h + 2 * pad, wp = w + 2 * pad, plane = h * w;
        for (int i = t; i < n; i += stride)
        {
            int pl = i / plane, r = i - pl * plane;
            int sy = r / w, sx = r - sy * w;
            int baseP = pl * hp * wp;
            float acc = 0f;
            for (int ky = 0; ky < 3; ky++)
            {
                int py = Candidate(ky, sy, h, pad);
                if (py < 0) continue;
                for (int kx = 0; kx < 3; kx++)
                {
                    int px = Candidate(kx, sx, w, pad);
                    if (px >= 0) acc += dy[baseP + py * wp + px];
                }
            }
            dx[i] = acc;
        }
    }
}
