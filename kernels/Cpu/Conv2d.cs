namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// 2-D convolution on the CPU as unfold (im2col) + packed GEMM, forward and both gradients side by side.
/// The unfolded input is built for a block of output pixels at a time so its scratch stays bounded
/// (a 7x7 conv on 256x256 would otherwise need 0.8 GB); a 1x1, stride-1, unpadded conv skips the unfold.
/// </summary>
public static unsafe class Conv2d
{
    /// <summary>Largest unfolded block, in floats (64 MiB).</summary>
    const long ColBudget = 1L << 24;

    static bool IsPointwise(in ConvGeometry g) =>
        g.KH == 1 && g.KW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    static int PixelBlock(in ConvGeometry g)
    {
        int p = g.OutPixels;
        long fit = ColBudget / Math.Max(1, g.ColRows);
        if (fit >= p) return p;
        return (int)Math.Max(32, fit / 32 * 32);
    }

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null).</summary>
    public static void Forward(float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        int p = g.OutPixels, r = g.ColRows;
        bool pointwise = IsPointwise(g);
        int block = PixelBlock(g);
        float* col = pointwise ? null : Scratch.Get((long)r * block);
        for (int n = 0; n < g.N; n++)
        {
            float* xn = x + (long)n * g.InputPlane;
            float* yn = y + (long)n * g.OutputPlane;
            for (int p0 = 0; p0 < p; p0 += block)
            {
                int pc = Math.Min(block, p - p0);
                if (pointwise)
                    Gemm.Sgemm(false, false, g.O, pc, r, w, r, xn + p0, p, yn + p0, p, false);
                else
                {
                    Im2Col(xn, g, p0, pc, col);
                    Gemm.Sgemm(false, false, g.O, pc, r, w, r, col, pc, yn + p0, p, false);
                }
            }
        }
        if (b != null) Channels.BiasAdd(y, b, y, g.N, g.O, p);
    }

    /// <summary>dx[N,C,H,W] = the input gradient of conv2d for output gradient dy (also conv_transpose2d's forward).</summary>
    public static void BackwardData(float* dy, float* w, float* dx, in ConvGeometry g)
    {
        int p = g.OutPixels, r = g.ColRows;
        bool pointwise = IsPointwise(g);
        int block = PixelBlock(g);
        float* col = pointwise ? null : Scratch.Get((long)r * block);
        for (int n = 0; n < g.N; n++)
        {
            float* dyn = dy + (long)n * g.OutputPlane;
            float* dxn = dx + (long)n * g.InputPlane;
            if (pointwise)
            {
                Gemm.Sgemm(true, false, r, p, g.O, w, r, dyn, p, dxn, p, false);
                continue;
            }
            new Span<float>(dxn, g.InputPlane).Clear();
            for (int p0 = 0; p0 < p; p0 += block)
            {
                int pc = Math.Min(block, p - p0);
                Gemm.Sgemm(true, false, r, pc, g.O, w, r, dyn + p0, p, col, pc, false);
                Col2ImAdd(col, g, p0, pc, dxn);
            }
        }
    }

    /// <summary>dw[O,C,KH,KW] = the weight gradient of conv2d, summed over the batch.</summary>
    public static void BackwardWeight(float* x, float* dy, float* dw, in ConvGeometry g)
    {
        int p = g.OutPixels, r = g.ColRows;
        bool pointwise = IsPointwise(g);
        int block = PixelBlock(g);
        float* col = pointwise ? null : Scratch.Get((long)r * block);
        bool first = true;
        for (int n = 0; n < g.N; n++)
        {
            float* xn = x + (long)n * g.InputPlane;
            float* dyn = dy + (long)n * g.OutputPlane;
            for (int p0 = 0; p0 < p; p0 += block)
            {
                int pc = Math.Min(block, p - p0);
                if (pointwise)
                    Gemm.Sgemm(false, true, g.O, r, pc, dyn + p0, p, xn + p0, p, dw, r, !first);
                else
                {
                    Im2Col(xn, g, p0, pc, col);
                    Gemm.Sgemm(false, true, g.O, r, pc, dyn + p0, p, col, pc, dw, r, !first);
                }
                first = false;
            }
        }
        if (first) new Span<float>(dw, g.O * r).Clear();
    }

    /// <summary>col[r, j] = x[c, oy*s - pad + ky, ox*s - pad + kx] for output pixel p0 + j, zero outside the image.</summary>
    static void Im2Col(float* x, ConvGeometry g, int p0, int pc, float* col)
    {
        int kk = g.KH * g.KW;
        Par.For(g.ColRows, 8, (r0, r1) =>
        {
            for (int r = (int)r0; r < r1; r++)
            {
                int c = r / kk, ky = r % kk / g.KW, kx = r % g.KW;
                float* plane = x + (long)c * g.H * g.W;
                float* dst = col + (long)r * pc;
                int j = 0, pix = p0;
                while (j < pc)
                {
                    int oy = pix / g.OutW, ox = pix % g.OutW;
                    int run = Math.Min(g.OutW - ox, pc - j);
                    int iy = oy * g.StrideH - g.PadH + ky;
                    if ((uint)iy >= (uint)g.H)
                        new Span<float>(dst + j, run).Clear();
                    else
                    {
                        float* src = plane + (long)iy * g.W;
                        int ix = ox * g.StrideW - g.PadW + kx;
                        if (g.StrideW == 1 && ix >= 0 && ix + run <= g.W)
                            new ReadOnlySpan<float>(src + ix, run).CopyTo(new Span<float>(dst + j, run));
                        else
                            for (int t = 0; t < run; t++, ix += g.StrideW)
                                dst[j + t] = (uint)ix < (uint)g.W ? src[ix] : 0f;
                    }
                    j += run; pix += run;
                }
            }
        });
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds col back onto the image; parallel over channels so writes never collide.</summary>
    static void Col2ImAdd(float* col, ConvGeometry g, int p0, int pc, float* x)
    {
        int kk = g.KH * g.KW;
        Par.For(g.C, 1, (c0, c1) =>
        {
            for (int c = (int)c0; c < c1; c++)
            {
                float* plane = x + (long)c * g.H * g.W;
                for (int t = 0; t < kk; t++)
                {
                    int ky = t / g.KW, kx = t % g.KW;
                    float* src = col + (long)(c * kk + t) * pc;
                    int j = 0, pix = p0;
                    while (j < pc)
                    {
                        int oy = pix / g.OutW, ox = pix % g.OutW;
                        int run = Math.Min(g.OutW - ox, pc - j);
                        int iy = oy * g.StrideH - g.PadH + ky;
                        if ((uint)iy < (uint)g.H)
                        {
                            float* dst = plane + (long)iy * g.W;
                            int ix = ox * g.StrideW - g.PadW + kx;
                            for (int u = 0; u < run; u++, ix += g.StrideW)
                                if ((uint)ix < (uint)g.W) dst[ix] += src[j + u];
                        }
                        j += run; pix += run;
                    }
                }
            }
        });
    }
}
