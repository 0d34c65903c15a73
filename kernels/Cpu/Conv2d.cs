using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// 2-D convolution on the CPU as packed GEMMs, forward and both gradients side by side. The forward and the
/// weight gradient read the unfolded input straight from the image while packing (<see cref="Im2ColB"/>); the
/// input gradient computes unfolded columns for a block of pixels at a time and folds them back, so its scratch
/// stays bounded (a 7x7 conv on 256x256 would otherwise need 0.8 GB). A 1x1, stride-1, unpadded conv needs no unfold.
/// Where they measured faster, the forward and the input gradient of 3x3 stride-1 convs go to
/// <see cref="WinogradConv"/>, those of 4x4 stride-1 convs to <see cref="Winograd4Conv"/>, and stride-1 forwards with at most 4 output or fewer than 8 input channels to
/// <see cref="DirectConv"/>.
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

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null); the unfold is fused into the GEMM's packing.</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        if (WinogradConv.Applies(o, g))
        {
            WinogradConv.Forward(o, x, w, b, y, g);
            return;
        }
        if (Winograd4Conv.Applies(o, g))
        {
            Winograd4Conv.Forward(o, x, w, b, y, g);
            return;
        }
        if (ChannelDotConv.Applies(o, g))
        {
            ChannelDotConv.Forward(o, x, w, b, y, g);
            return;
        }
        if (PixelMajorConv.Applies(o, g))
        {
            PixelMajorConv.Forward(o, x, w, b, y, g);
            return;
        }
        if (DirectConv.Applies(o, g))
        {
            DirectConv.Forward(o, x, w, b, y, g);
            return;
        }
        if (DirectConv.AppliesPadded(o, g))
        {
            DirectConv.ForwardPadded(o, x, w, b, y, g);
            return;
        }
        int p = g.OutPixels, r = g.ColRows;
        for (int n = 0; n < g.N; n++)
        {
            float* xn = x + (long)n * g.InputPlane;
            float* yn = y + (long)n * g.OutputPlane;
            if (IsPointwise(g)) Gemm.Sgemm(o, false, false, g.O, p, r, w, r, xn, p, yn, p, false);
            else Gemm.Sgemm(o, false, g.O, p, r, w, r, new Im2ColB(xn, g), yn, p, false);
        }
        if (b != null) Channels.BiasAdd(o, y, b, y, g.N, g.O, p);
    }

    /// <summary>dx[N,C,H,W] = the input gradient of conv2d for output gradient dy (also conv_transpose2d's forward).</summary>
    public static void BackwardData(CpuKernelOptions o, float* dy, float* w, float* dx, in ConvGeometry g)
    {
        if (WinogradConv.AppliesBackwardData(o, g))
        {
            WinogradConv.BackwardData(o, dy, w, dx, g);
            return;
        }
        if (Winograd4Conv.AppliesBackwardData(o, g))
        {
            Winograd4Conv.BackwardData(o, dy, w, dx, g);
            return;
        }
        int p = g.OutPixels, r = g.ColRows;
        bool pointwise = IsPointwise(g);
        if (PixelMajorConv.AppliesBackwardData(o, g) && !(o.AdjointAsForward && PrefersAdjoint(o, g))
            && PixelMajorConv.BackwardData(o, dy, w, dx, g)) return;
        if (!pointwise && o.AdjointAsForward && PrefersAdjoint(o, g) && BackwardDataByAdjoint(o, dy, w, dx, g)) return;
        int block = PixelBlock(g);
        float* col = pointwise ? null : Scratch.Get((long)r * block);
        for (int n = 0; n < g.N; n++)
        {
            float* dyn = dy + (long)n * g.OutputPlane;
            float* dxn = dx + (long)n * g.InputPlane;
            if (pointwise)
            {
                Gemm.Sgemm(o, true, false, r, p, g.O, w, r, dyn, p, dxn, p, false);
                continue;
            }
            new Span<float>(dxn, g.InputPlane).Clear();
            for (int p0 = 0; p0 < p; p0 += block)
            {
                int pc = Math.Min(block, p - p0);
                Gemm.Sgemm(o, true, false, r, pc, g.O, w, r, dyn + p0, p, col, pc, false);
                Col2ImAdd(o, col, g, p0, pc, dxn);
            }
        }
    }

    /// <summary>
    /// Whether the stride-1 input gradient runs as the adjoint forward conv rather than GEMM + col2im (`bench conv-paths`,
    /// 2-core AVX2): not as a GEMM for a few input channels (an image-reading first conv), where the adjoint GEMM would
    /// have only C rows and packing its unfolded dy would cost more than the multiply; and not when the unfolded block is small
    /// and O (the col2im GEMM's inner dimension) is wide enough, where col2im measured faster (ResNet-6's 64-channel
    /// residual convs at 16x16) because the adjoint's output rows (OutW + 2p) straddle the 16-column panels. The adjoint
    /// wins for few output channels (a 7x7 image head) and large unfolded blocks, and whenever it runs as a direct conv:
    /// an image-reading first conv's input gradient (64 to 3 channels, 7x7 at 256x256; CycleGAN's cycle pass needs it)
    /// has 3 output channels. The timings: bench/README.md.
    /// </summary>
    internal static bool PrefersAdjoint(CpuKernelOptions o, in ConvGeometry g) =>
        (g.C >= 8 && (g.O < 32 || (long)g.ColRows * g.OutPixels > 1 << 20))
        || (AsForwardConv(g) is { } adjoint && (DirectConv.Applies(o, adjoint) || DirectConv.AppliesPadded(o, adjoint)));

    /// <summary>
    /// With stride 1 the input gradient is itself a convolution: dy with the spatially flipped weights, in and out
    /// channels swapped, padded K-1-p. It then runs as the forward pass's implicit GEMM, reading dy while packing,
    /// instead of unfolding into scratch and folding back (col2im). False (nothing computed) for other shapes.
    /// </summary>
    internal static bool BackwardDataByAdjoint(CpuKernelOptions o, float* dy, float* w, float* dx, in ConvGeometry g)
    {
        if (AsForwardConv(g) is not { } adjoint) return false;
        float* wt = Scratch.Get((long)g.O * g.ColRows);
        FlipSwap(o, w, wt, g);
        Forward(o, dy, wt, null, dx, adjoint);
        return true;
    }

    /// <summary>
    /// The forward convolution that computes the input gradient of stride-1 conv <paramref name="g"/>: input dy
    /// [N, O, OutH, OutW], weight [C, O, KH, KW] flipped, padding K-1-p; null when the padding exceeds K-1.
    /// </summary>
    static ConvGeometry? AsForwardConv(in ConvGeometry g)
    {
        if (g.StrideH != 1 || g.StrideW != 1) return null;
        int ph = g.KH - 1 - g.PadH, pw = g.KW - 1 - g.PadW;
        if (ph < 0 || pw < 0) return null;
        var t = new ConvGeometry(g.N, g.O, g.OutH, g.OutW, g.C, g.KH, g.KW, 1, 1, ph, pw, g.H, g.W);
        return g.OutH + 2 * ph - g.KH + 1 == g.H && g.OutW + 2 * pw - g.KW + 1 == g.W ? t : null;
    }

    /// <summary>wt[c, o, ky, kx] = w[o, c, KH-1-ky, KW-1-kx].</summary>
    static void FlipSwap(CpuKernelOptions o, float* w, float* wt, in ConvGeometry g)
    {
        int kk = g.KH * g.KW, outs = g.O, c = g.C;
        Par.For(o, c, Math.Max(1, 4096 / Math.Max(1, outs * kk)), (c0, c1) =>
        {
            for (long ci = c0; ci < c1; ci++)
                for (int oi = 0; oi < outs; oi++)
                {
                    float* src = w + ((long)oi * c + ci) * kk;
                    float* dst = wt + (ci * outs + oi) * kk;
                    for (int t = 0; t < kk; t++) dst[t] = src[kk - 1 - t];
                }
        });
    }

    /// <summary>dw[O,C,KH,KW] = the weight gradient of conv2d, summed over the batch (unfold fused into packing).</summary>
    public static void BackwardWeight(CpuKernelOptions o, float* x, float* dy, float* dw, in ConvGeometry g)
    {
        int p = g.OutPixels, r = g.ColRows;
        if (ChannelDotConv.Applies(o, g))
        {
            ChannelDotConv.BackwardWeight(o, x, dy, dw, g);
            return;
        }
        if (DirectConv.AppliesBackwardWeight(o, g))
        {
            DirectConv.BackwardWeight(o, x, dy, dw, g);
            return;
        }
        for (int n = 0; n < g.N; n++)
        {
            float* xn = x + (long)n * g.InputPlane;
            float* dyn = dy + (long)n * g.OutputPlane;
            if (IsPointwise(g)) Gemm.Sgemm(o, false, true, g.O, r, p, dyn, p, xn, p, dw, r, n > 0);
            else Gemm.Sgemm(o, false, g.O, r, p, dyn, p, new Im2ColTransposedB(xn, g), dw, r, n > 0);
        }
    }

    /// <summary>The adjoint of the unfold (<see cref="Im2ColB"/>): adds col back onto the image; parallel over channels so writes never collide.</summary>
    internal static void Col2ImAdd(CpuKernelOptions o, float* col, ConvGeometry g, int p0, int pc, float* x)
    {
        int kk = g.KH * g.KW;
        Par.For(o, g.C, 1, (c0, c1) =>
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
                            int u = 0;
                            if (g.StrideW == 2 && Avx.IsSupported)
                            {
                                // Leading elements left of the image, then 8 at a time while 16 destination
                                // columns fit: the 8 values zipped with zeros land on every other column.
                                for (; u < run && ix < 0; u++, ix += 2) { }
                                for (; u + 8 <= run && ix + 16 <= g.W; u += 8, ix += 16)
                                {
                                    var v = Vector256.Load(src + j + u);
                                    var lo = Avx.UnpackLow(v, Vector256<float>.Zero);
                                    var hi = Avx.UnpackHigh(v, Vector256<float>.Zero);
                                    float* d = dst + ix;
                                    (Vector256.Load(d) + Avx.Permute2x128(lo, hi, 0x20)).Store(d);
                                    (Vector256.Load(d + 8) + Avx.Permute2x128(lo, hi, 0x31)).Store(d + 8);
                                }
                            }
                            for (; u < run; u++, ix += g.StrideW)
                                if ((uint)ix < (uint)g.W) dst[ix] += src[j + u];
                        }
                        j += run; pix += run;
                    }
                }
            }
        });
    }
}

