namespace CoroNetGAN.Evaluation;

/// <summary>
/// Per-image distances of a translation from its true target (paired test data): L1, PSNR and SSIM. Images are CHW
/// float arrays in [-1, 1], as the generators produce them; PSNR and SSIM work on the [0, 1] scale (data range 1), as
/// scikit-image and torchmetrics do for float images. Static and stateless: thread-safe.
/// </summary>
public static class ImageMetrics
{
    /// <summary>Mean absolute difference in [-1, 1] units (pix2pix's L1).</summary>
    public static double L1(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Same(a, b);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Math.Abs((double)a[i] - b[i]);
        return s / a.Length;
    }

    /// <summary>Peak signal-to-noise ratio in dB on the [0, 1] scale; +infinity for identical images.</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Same(a, b);
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = ((double)a[i] - b[i]) / 2; s += d * d; }
        double mse = s / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }

    /// <summary>
    /// Structural similarity (Wang et al. 2004) on the [0, 1] scale: an 11x11 Gaussian window of sigma 1.5, K1 = 0.01,
    /// K2 = 0.03, computed per channel over the window positions that fit inside the image ("valid", as scikit-image
    /// with gaussian_weights=True) and averaged over channels. Images smaller than the window use a window of their size.
    /// </summary>
    /// <param name="a">First image, CHW.</param>
    /// <param name="b">Second image, CHW.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    public static double Ssim(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int channels, int height, int width)
    {
        Same(a, b);
        if (a.Length != channels * height * width)
            throw new ArgumentException($"the images hold {a.Length} values, not {channels} x {height} x {width}.");
        int win = Math.Min(11, Math.Min(height, width));
        var g = Gaussian(win, 1.5);
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        int oh = height - win + 1, ow = width - win + 1;
        double total = 0;
        var x = new double[height * width];
        var y = new double[height * width];
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < height * width; i++)
            {
                x[i] = (a[c * height * width + i] + 1.0) / 2;
                y[i] = (b[c * height * width + i] + 1.0) / 2;
            }
            double sum = 0;
            for (int r = 0; r < oh; r++)
                for (int q = 0; q < ow; q++)
                {
                    double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                    for (int u = 0; u < win; u++)
                        for (int v = 0; v < win; v++)
                        {
                            double w = g[u] * g[v];
                            double px = x[(r + u) * width + q + v], py = y[(r + u) * width + q + v];
                            mx += w * px; my += w * py; xx += w * px * px; yy += w * py * py; xy += w * px * py;
                        }
                    double vx = xx - mx * mx, vy = yy - my * my, cov = xy - mx * my;
                    sum += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                }
            total += sum / (oh * ow);
        }
        return total / channels;
    }

    static double[] Gaussian(int size, double sigma)
    {
        var g = new double[size];
        double centre = (size - 1) / 2.0, s = 0;
        for (int i = 0; i < size; i++) s += g[i] = Math.Exp(-(i - centre) * (i - centre) / (2 * sigma * sigma));
        for (int i = 0; i < size; i++) g[i] /= s;
        return g;
    }

    static void Same(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0) throw new ArgumentException($"the images hold {a.Length} and {b.Length} values; they must be the same non-zero size.");
    }
}
