using CoroNetGAN.Kernels;
using CoroNetGAN.Kernels.Ilgpu;
using ILGPU;

namespace CoroNetGAN.Bench;

/// <summary>
/// The ILGPU conv kernels as they were before the register-tiled and shared-memory variants (kept here, outside the
/// engine, only as the baseline of the <c>conv-variants</c> bench mode).
/// Direct 2-D convolution with zero padding, NCHW, weight [O, C, KH, KW], any kernel size, stride and padding.
/// Forward and backward-data compute <see cref="Block"/> channels per work-item so each input (or dy) value
/// loaded is reused from a register; all three are gathers, so nothing needs atomics.
/// </summary>
public static class BaselineConvKernels
{
    /// <summary>Channels computed per work-item in the forward and backward-data kernels.</summary>
    public const int Block = 4;

    /// <summary>Work-items of <see cref="Forward"/>: N * ceil(O / Block) * OutH * OutW.</summary>
    public static int ForwardItems(in ConvGeometry g) => g.N * ((g.O + Block - 1) / Block) * g.OutH * g.OutW;

    /// <summary>Work-items of <see cref="BackwardData"/>: N * ceil(C / Block) * H * W.</summary>
    public static int BackwardDataItems(in ConvGeometry g) => g.N * ((g.C + Block - 1) / Block) * g.H * g.W;

    /// <summary>
    /// y[n, o, oh, ow] = sum over c, kh, kw of x[n, c, oh*s - p + kh, ow*s - p + kw] * w[o, c, kh, kw] (+ b[o]
    /// when hasBias != 0). Work-item u covers one output pixel of one image for Block consecutive output channels.
    /// </summary>
    public static void Forward(Index1D t, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        ConvGeometry g, int hasBias, int count, int stride)
    {
        int outPix = g.OutH * g.OutW;
        int blocks = (g.O + Block - 1) / Block;
        int kk = g.KH * g.KW;
        int wo = g.C * kk;
        int hw = g.H * g.W;
        for (int u = t; u < count; u += stride)
        {
            int pix = u % outPix;
            int rest = u / outPix;
            int blk = rest % blocks;
            int img = rest / blocks;
            int oh = pix / g.OutW, ow = pix - oh * g.OutW;
            int o0 = blk * Block;
            // Channels past O are clamped to a valid row and their sums discarded, so the inner loop has no branch.
            int o1 = o0 + 1 < g.O ? o0 + 1 : g.O - 1;
            int o2 = o0 + 2 < g.O ? o0 + 2 : g.O - 1;
            int o3 = o0 + 3 < g.O ? o0 + 3 : g.O - 1;
            int ih0 = oh * g.StrideH - g.PadH, iw0 = ow * g.StrideW - g.PadW;
            int khs = ih0 < 0 ? -ih0 : 0, khe = g.H - ih0 < g.KH ? g.H - ih0 : g.KH;
            int kws = iw0 < 0 ? -iw0 : 0, kwe = g.W - iw0 < g.KW ? g.W - iw0 : g.KW;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int c = 0; c < g.C; c++)
            {
                int xPlane = (img * g.C + c) * hw;
                int wc = c * kk;
                for (int kh = khs; kh < khe; kh++)
                {
                    int xRow = xPlane + (ih0 + kh) * g.W + iw0;
                    int wRow = wc + kh * g.KW;
                    for (int kw = kws; kw < kwe; kw++)
                    {
                        float xv = x[xRow + kw];
                        int wi = wRow + kw;
                        a0 += xv * w[o0 * wo + wi];
                        a1 += xv * w[o1 * wo + wi];
                        a2 += xv * w[o2 * wo + wi];
                        a3 += xv * w[o3 * wo + wi];
                    }
                }
            }
            if (hasBias != 0)
            {
                a0 += b[o0]; a1 += b[o1]; a2 += b[o2]; a3 += b[o3];
            }
            int yBase = img * g.O * outPix + pix;
            y[yBase + o0 * outPix] = a0;
            if (o0 + 1 < g.O) y[yBase + (o0 + 1) * outPix] = a1;
            if (o0 + 2 < g.O) y[yBase + (o0 + 2) * outPix] = a2;
            if (o0 + 3 < g.O) y[yBase + (o0 + 3) * outPix] = a3;
        }
    }

    /// <summary>
    /// dx[n, c, ih, iw] = sum over o and the taps (kh, kw) whose output position oh = (ih + p - kh) / s is an
    /// exact, in-range quotient of dy[n, o, oh, ow] * w[o, c, kh, kw]. This is also conv_transpose2d's forward:
    /// dx's H and W come from the geometry, so output_padding needs nothing special.
    /// Work-item u covers one input pixel of one image for Block consecutive input channels.
    /// </summary>
    public static void BackwardData(Index1D t, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx,
        ConvGeometry g, int count, int stride)
    {
        int hw = g.H * g.W;
        int outPix = g.OutH * g.OutW;
        int blocks = (g.C + Block - 1) / Block;
        int kk = g.KH * g.KW;
        int wo = g.C * kk;
        for (int u = t; u < count; u += stride)
        {
            int pix = u % hw;
            int rest = u / hw;
            int blk = rest % blocks;
            int img = rest / blocks;
            int ih = pix / g.W, iw = pix - ih * g.W;
            int c0 = blk * Block;
            int c1 = c0 + 1 < g.C ? c0 + 1 : g.C - 1;
            int c2 = c0 + 2 < g.C ? c0 + 2 : g.C - 1;
            int c3 = c0 + 3 < g.C ? c0 + 3 : g.C - 1;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            int dyImg = img * g.O * outPix;
            for (int kh = 0; kh < g.KH; kh++)
            {
                int th = ih + g.PadH - kh;
                // th < 0 is tested first: C# division truncates toward zero, so -1 / 2 would look like row 0.
                if (th < 0 || th % g.StrideH != 0) continue;
                int oh = th / g.StrideH;
                if (oh >= g.OutH) continue;
                for (int kw = 0; kw < g.KW; kw++)
                {
                    int tw = iw + g.PadW - kw;
                    if (tw < 0 || tw % g.StrideW != 0) continue;
                    int ow = tw / g.StrideW;
                    if (ow >= g.OutW) continue;
                    int dyi = dyImg + oh * g.OutW + ow;
                    int wk = kh * g.KW + kw;
                    for (int o = 0; o < g.O; o++)
                    {
                        float v = dy[dyi + o * outPix];
                        int wb = o * wo + wk;
                        a0 += v * w[wb + c0 * kk];
                        a1 += v * w[wb + c1 * kk];
                        a2 += v * w[wb + c2 * kk];
                        a3 += v * w[wb + c3 * kk];
                    }
                }
            }
            int dxBase = img * g.C * hw + pix;
            dx[dxBase + c0 * hw] = a0;
            if (c0 + 1 < g.C) dx[dxBase + (c0 + 1) * hw] = a1;
            if (c0 + 2 < g.C) dx[dxBase + (c0 + 2) * hw] = a2;
            if (c0 + 3 < g.C) dx[dxBase + (c0 + 3) * hw] = a3;
        }
    }

    /// <summary>
    /// dw[o, c, kh, kw] = sum over n, oh, ow of dy[n, o, oh, ow] * x[n, c, oh*s - p + kh, ow*s - p + kw];
    /// one work-item per weight element (count = O*C*KH*KW). Each output row is summed separately and the row
    /// sums accumulated in blocks, which keeps float error small for large N * OutH * OutW.
    /// </summary>
    public static void BackwardWeight(Index1D t, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw,
        ConvGeometry g, int count, int stride)
    {
        int hw = g.H * g.W;
        int outPix = g.OutH * g.OutW;
        for (int u = t; u < count; u += stride)
        {
            int kw = u % g.KW;
            int r = u / g.KW;
            int kh = r % g.KH;
            r /= g.KH;
            int c = r % g.C;
            int o = r / g.C;
            // Output columns whose tap kw lands inside the input: iw = ow*s - p + kw in [0, W).
            int ows = 0;
            while (ows < g.OutW && ows * g.StrideW - g.PadW + kw < 0) ows++;
            int owe = g.OutW;
            while (owe > ows && (owe - 1) * g.StrideW - g.PadW + kw >= g.W) owe--;
            var acc = new BlockSum();
            for (int img = 0; img < g.N; img++)
            {
                int xPlane = (img * g.C + c) * hw;
                int dyPlane = (img * g.O + o) * outPix;
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int ih = oh * g.StrideH - g.PadH + kh;
                    if (ih < 0 || ih >= g.H) continue;
                    int xRow = xPlane + ih * g.W - g.PadW + kw;
                    int dyRow = dyPlane + oh * g.OutW;
                    float row = 0f;
                    for (int ow = ows; ow < owe; ow++) row += dy[dyRow + ow] * x[xRow + ow * g.StrideW];
                    acc.Add(row);
                }
            }
            dw[u] = acc.Value;
        }
    }
}
