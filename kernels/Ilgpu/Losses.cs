using ILGPU;
using ILGPU.Algorithms;

namespace CoroNetGAN.Kernels.Ilgpu;

/// <summary>
/// Mean losses: the forward passes are <see cref="ReductionKernels"/> sums of <see cref="Term"/>; the backward
/// passes are one elementwise kernel that writes the gradient of either input when asked.
/// </summary>
public static class LossKernels
{
    /// <summary>Term a (the plain mean).</summary>
    public const int Mean = 0;
    /// <summary>Term |a - b|.</summary>
    public const int L1 = 1;
    /// <summary>Term (a - b)^2.</summary>
    public const int Mse = 2;
    /// <summary>Term max(x, 0) - x t + log(1 + exp(-|x|)) with x = a, t = b.</summary>
    public const int Bce = 3;

    /// <summary>One summand of the loss <paramref name="op"/>.</summary>
    public static float Term(int op, float a, float b)
    {
        if (op == Mean) return a;
        if (op == L1) return XMath.Abs(a - b);
        if (op == Mse)
        {
            float d = a - b;
            return d * d;
        }
        return (a > 0f ? a : 0f) - a * b + XMath.Log(1f + XMath.Exp(-XMath.Abs(a)));
    }

    /// <summary>sigmoid(x) without overflow for large |x|.</summary>
    private static float Sigmoid(float x)
    {
        if (x >= 0f) return 1f / (1f + XMath.Exp(-x));
        float e = XMath.Exp(x);
        return e / (1f + e);
    }

    /// <summary>
    /// Gradients of the mean loss <paramref name="op"/> scaled by dy[0]: with g = dy[0] / n,
    /// L1: da = g sign(a - b) (0 where equal), db = -da; MSE: da = 2 g (a - b), db = -da;
    /// BCE (a = x, b = t): da = g (sigmoid(x) - t), db = -g x. da / db are written when writeA / writeB != 0.
    /// </summary>
    public static void Backward(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> dy,
        ArrayView<float> da, ArrayView<float> db, int op, int writeA, int writeB, int n, int stride)
    {
        float g = dy[0] / n;
        for (int i = t; i < n; i += stride)
        {
            float av = a[i], bv = b[i];
            float ga, gb;
            if (op == L1)
            {
                float d = av - bv;
                ga = d > 0f ? g : d < 0f ? -g : 0f;
                gb = -ga;
            }
            else if (op == Mse)
            {
                ga = 2f * g * (av - bv);
                gb = -ga;
            }
            else
            {
                ga = g * (Sigmoid(av) - bv);
                gb = -g * av;
            }
            if (writeA != 0) da[i] = ga;
            if (writeB != 0) db[i] = gb;
        }
    }
}
