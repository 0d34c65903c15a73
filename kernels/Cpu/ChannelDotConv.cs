using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CoroNetGAN.Kernels.Cpu;

/// <summary>
/// Convolutions with a few output channels and many input channels (a PatchGAN's 512 -> 1 head) as dot products
/// along the channels: the input is transposed to pixel-major [H*W][C] and the weights to [O][tap][C], so every
/// output value is a sum over its in-image taps of one contiguous C-long dot product; the weight gradient runs along C
/// the same way. Any kernel, stride and padding.
/// </summary>
/// <remarks>
/// The GEMM path pads the single output row to a full register tile and packs the whole unfolded input
/// (C*K*K by the output pixels) to feed it, and the direct loops vectorise along an output row, which is a few
/// columns wide at 64 px; here the vectors run along the channels, whatever the image size. The sum runs in
/// another order than the GEMM's (float reassociation).
/// </remarks>
public static unsafe class ChannelDotConv
{
    /// <summary>Output channels up to which this path applies.</summary>
    public const int MaxOutputChannels = 4;

    /// <summary>Input channels from which this path applies: shorter dot products leave the vectors idle on overhead.</summary>
    public const int MinInputChannels = 128;

    /// <summary>
    /// Output columns up to which this path applies: each dot product loads both of its operands, so on wider rows the
    /// direct loops (whose vectors run along a row and reuse each weight) or the GEMM caught up (30 columns) or won (64).
    /// </summary>
    public const int MaxOutputWidth = 16;

    /// <summary>
    /// Whether this path computes the forward conv <paramref name="g"/>: at most <see cref="MaxOutputChannels"/> output and
    /// at least <see cref="MinInputChannels"/> input channels, on output rows of at most <see cref="MaxOutputWidth"/> columns.
    /// </summary>
    public static bool Applies(CpuKernelOptions o, in ConvGeometry g) =>
        o.ChannelDotConv && g.O <= MaxOutputChannels && g.C >= MinInputChannels && g.OutW <= MaxOutputWidth;

    /// <summary>y[N,O,OH,OW] = conv2d(x, w) + b (b may be null).</summary>
    public static void Forward(CpuKernelOptions o, float* x, float* w, float* b, float* y, in ConvGeometry g)
    {
        int c = g.C, taps = g.KH * g.KW, outs = g.O;
        int hw = g.H * g.W;
        float* xt = Scratch.Get((long)hw * c);
        float* wt = Scratch.GetSecond((long)outs * taps * c);
        for (int oi = 0; oi < outs; oi++)
            for (int ci = 0; ci < c; ci++)
            {
                float* src = w + ((long)oi * c + ci) * taps;
                float* dst = wt + (long)oi * taps * c + ci;
                for (int t = 0; t < taps; t++) dst[(long)t * c] = src[t];
            }
        var geo = g;
        int pixels = g.OutPixels;
        for (int n = 0; n < g.N; n++)
        {
            Gemm.Transpose(o, x + (long)n * g.InputPlane, c, hw, hw, xt, c, false);
            float* yn = y + (long)n * g.OutputPlane;
            // Each pixel costs about taps * C * O multiply-adds; aim for chunks of a few hundred thousand.
            long grain = Math.Max(1, (1L << 17) / Math.Max(1, (long)taps * c * outs));
            Par.For(o, pixels, grain, (p0, p1) =>
            {
                for (long p = p0; p < p1; p++) Pixel(xt, wt, b, yn, geo, (int)p);
            });
        }
    }

    /// <summary>
    /// dw[O,C,KH,KW] = the weight gradient of the conv, summed over the batch: for each output channel and tap, the
    /// output gradient's pixels scaled onto the pixel-major input's channel rows, so the vectors again run along C.
    /// </summary>
    public static void BackwardWeight(CpuKernelOptions o, float* x, float* dy, float* dw, in ConvGeometry g)
    {
        int c = g.C, taps = g.KH * g.KW, outs = g.O;
        int hw = g.H * g.W;
        float* xt = Scratch.Get((long)hw * c);
        float* dwt = Scratch.GetSecond((long)outs * taps * c);
        new Span<float>(dwt, outs * taps * c).Clear();
        var geo = g;
        for (int n = 0; n < g.N; n++)
        {
            Gemm.Transpose(o, x + (long)n * g.InputPlane, c, hw, hw, xt, c, false);
            float* dyn = dy + (long)n * g.OutputPlane;
            Par.Loop(o, 0, outs * taps, ot => TapGradient(xt, dyn, dwt + (long)ot * c, geo, ot / taps, ot % taps));
        }
        Par.For(o, (long)outs * c, Math.Max(1, 4096 / taps), (s, e) =>
        {
            for (long i = s; i < e; i++)
            {
                long oi = i / c, ci = i % c;
                float* dst = dw + i * taps;
                float* src = dwt + oi * taps * c + ci;
                for (int t = 0; t < taps; t++) dst[t] = src[(long)t * c];
            }
        });
    }

    /// <summary>row[C] += sum over output pixels p (whose tap t lies in the image) of dy[o, p] * xt[tap t's input pixel][C].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TapGradient(float* xt, float* dy, float* row, in ConvGeometry g, int oi, int t)
    {
        int c = g.C, ky = t / g.KW, kx = t % g.KW;
        float* d = dy + (long)oi * g.OutPixels;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int iy = oy * g.StrideH - g.PadH + ky;
            if ((uint)iy >= (uint)g.H) continue;
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int ix = ox * g.StrideW - g.PadW + kx;
                if ((uint)ix >= (uint)g.W) continue;
                float* xr = xt + ((long)iy * g.W + ix) * c;
                var s = Vector256.Create(d[oy * g.OutW + ox]);
                int ci = 0;
                for (; ci + 8 <= c; ci += 8)
                    Vector256.FusedMultiplyAdd(s, Vector256.Load(xr + ci), Vector256.Load(row + ci)).Store(row + ci);
                for (; ci < c; ci++) row[ci] = MathF.FusedMultiplyAdd(s.ToScalar(), xr[ci], row[ci]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Pixel(float* xt, float* wt, float* b, float* y, in ConvGeometry g, int p)
    {
        int c = g.C, taps = g.KH * g.KW;
        int oy = p / g.OutW, ox = p % g.OutW;
        int iy0 = oy * g.StrideH - g.PadH, ix0 = ox * g.StrideW - g.PadW;
        for (int oi = 0; oi < g.O; oi++)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float tail = 0f;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = iy0 + ky;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ix0 + kx;
                    if ((uint)ix >= (uint)g.W) continue;
                    float* xr = xt + ((long)iy * g.W + ix) * c;
                    float* wr = wt + ((long)oi * taps + ky * g.KW + kx) * c;
                    int ci = 0;
                    for (; ci + 32 <= c; ci += 32)
                    {
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Load(wr + ci), Vector256.Load(xr + ci), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Load(wr + ci + 8), Vector256.Load(xr + ci + 8), a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Load(wr + ci + 16), Vector256.Load(xr + ci + 16), a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Load(wr + ci + 24), Vector256.Load(xr + ci + 24), a3);
                    }
                    for (; ci + 8 <= c; ci += 8)
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Load(wr + ci), Vector256.Load(xr + ci), a0);
                    for (; ci < c; ci++) tail = MathF.FusedMultiplyAdd(wr[ci], xr[ci], tail);
                }
            }
            float s = Vector256.Sum((a0 + a1) + (a2 + a3)) + tail;
            y[(long)oi * g.OutPixels + p] = b != null ? s + b[oi] : s;
        }
    }
}
