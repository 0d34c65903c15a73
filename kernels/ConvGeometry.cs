namespace CoroNetGAN.Kernels;

/// <summary>
/// The shape of one 2-D convolution: input [N, C, H, W], weight [O, C, KH, KW], output [N, O, OutH, OutW],
/// with zero padding. A transposed convolution is described by the geometry of the convolution it is the
/// adjoint of (its input is that convolution's output), so one geometry serves both.
/// </summary>
public readonly record struct ConvGeometry(
    int N, int C, int H, int W, int O, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int OutH, int OutW)
{
    /// <summary>Geometry of a convolution whose output size follows from the input (PyTorch's formula).</summary>
    public static ConvGeometry ForConv(int n, int c, int h, int w, int o, int kh, int kw, int stride, int pad)
    {
        int oh = (h + 2 * pad - kh) / stride + 1;
        int ow = (w + 2 * pad - kw) / stride + 1;
        return new ConvGeometry(n, c, h, w, o, kh, kw, stride, stride, pad, pad, oh, ow);
    }

    /// <summary>
    /// Geometry of the convolution adjoint to conv_transpose2d(x [N, Cin, H, W], weight [Cin, Cout, K, K]):
    /// that convolution maps [N, Cout, Hout, Wout] to [N, Cin, H, W] with weight [Cin, Cout, K, K].
    /// </summary>
    public static ConvGeometry ForTransposed(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad, int outputPadding)
    {
        int oh = (h - 1) * stride - 2 * pad + kh + outputPadding;
        int ow = (w - 1) * stride - 2 * pad + kw + outputPadding;
        return new ConvGeometry(n, cout, oh, ow, cin, kh, kw, stride, stride, pad, pad, h, w);
    }

    /// <summary>Input elements per image (C*H*W).</summary>
    public int InputPlane => C * H * W;
    /// <summary>Output elements per image (O*OutH*OutW).</summary>
    public int OutputPlane => O * OutH * OutW;
    /// <summary>Rows of the unfolded input (C*KH*KW): the GEMM's inner dimension.</summary>
    public int ColRows => C * KH * KW;
    /// <summary>Output pixels per image (OutH*OutW).</summary>
    public int OutPixels => OutH * OutW;
    /// <summary>Multiply-adds of the forward pass.</summary>
    public long Macs => (long)N * O * OutH * OutW * C * KH * KW;
}
