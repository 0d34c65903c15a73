namespace CoroNetGAN.Kernels.Cpu;

/// <summary>Mean reduction and the L1, MSE and BCE-with-logits losses (mean reduction), forward and backward.</summary>
public static unsafe class Losses
{
    /// <summary>y[0] = mean(x).</summary>
    public static void Mean(CpuKernelOptions o, float* x, float* y, long n) => y[0] = (float)(Sum(o, n, i => x[i]) / n);

    /// <summary>dx = dy[0] / n.</summary>
    public static void MeanBackward(CpuKernelOptions o, float* dy, float* dx, long n) => Elementwise.Fill(o, dx, n, dy[0] / n);

    /// <summary>y[0] = mean |a - b|.</summary>
    public static void L1(CpuKernelOptions o, float* a, float* b, float* y, long n) => y[0] = (float)(Sum(o, n, i => Math.Abs(a[i] - b[i])) / n);

    /// <summary>da = dy/n sign(a - b), db = -da.</summary>
    public static void L1Backward(CpuKernelOptions o, float* a, float* b, float* dy, float* da, float* db, long n)
    {
        float s = dy[0] / n;
        Par.For(o, n, Par.ElementGrain, (p, e) =>
        {
            for (long i = p; i < e; i++)
            {
                float d = a[i] - b[i];
                float g = d > 0 ? s : d < 0 ? -s : 0f;
                if (da != null) da[i] = g;
                if (db != null) db[i] = -g;
            }
        });
    }

    /// <summary>y[0] = mean (a - b)^2.</summary>
    public static void Mse(CpuKernelOptions o, float* a, float* b, float* y, long n) =>
        y[0] = (float)(Sum(o, n, i => { double d = a[i] - b[i]; return d * d; }) / n);

    /// <summary>da = 2 dy (a - b) / n, db = -da.</summary>
    public static void MseBackward(CpuKernelOptions o, float* a, float* b, float* dy, float* da, float* db, long n)
    {
        float s = 2f * dy[0] / n;
        Par.For(o, n, Par.ElementGrain, (p, e) =>
        {
            for (long i = p; i < e; i++)
            {
                float g = s * (a[i] - b[i]);
                if (da != null) da[i] = g;
                if (db != null) db[i] = -g;
            }
        });
    }

    /// <summary>y[0] = mean of max(x,0) - x t + log(1 + exp(-|x|)).</summary>
    public static void BceWithLogits(CpuKernelOptions o, float* x, float* t, float* y, long n) =>
        y[0] = (float)(Sum(o, n, i =>
        {
            double v = x[i];
            return Math.Max(v, 0) - v * t[i] + Math.Log(1 + Math.Exp(-Math.Abs(v)));
        }) / n);

    /// <summary>dx = dy (sigmoid(x) - t) / n; dt = -dy x / n.</summary>
    public static void BceWithLogitsBackward(CpuKernelOptions o, float* x, float* t, float* dy, float* dx, float* dt, long n)
    {
        float s = dy[0] / n;
        Par.For(o, n, Par.ElementGrain, (p, e) =>
        {
            for (long i = p; i < e; i++)
            {
                float v = x[i];
                if (dx != null) dx[i] = s * (Sigmoid(v) - t[i]);
                if (dt != null) dt[i] = -s * v;
            }
        });
    }

    static float Sigmoid(float v) => v >= 0 ? 1f / (1f + MathF.Exp(-v)) : MathF.Exp(v) / (1f + MathF.Exp(v));

    /// <summary>Sum of term(i) over [0, n) in double, partial sums per chunk so the result does not depend on scheduling.</summary>
    static double Sum(CpuKernelOptions o, long n, Func<long, double> term)
    {
        const long chunk = 1 << 14;
        long chunks = (n + chunk - 1) / chunk;
        var partial = new double[chunks];
        Par.For(o, chunks, 4, (s, e) =>
        {
            for (long c = s; c < e; c++)
            {
                double acc = 0;
                long end = Math.Min(n, (c + 1) * chunk);
                for (long i = c * chunk; i < end; i++) acc += term(i);
                partial[c] = acc;
            }
        });
        double total = 0;
        foreach (var p in partial) total += p;
        return total;
    }
}
