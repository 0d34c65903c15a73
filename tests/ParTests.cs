using CoroNetGAN.Kernels.Cpu;

namespace CoroNetGAN.Tests;

/// <summary>The kernels' parallel loops: every item once, exceptions reach the caller, nested and concurrent loops.</summary>
public class ParTests
{
    static readonly CpuKernelOptions O = CpuKernelOptions.Default;

    [Fact]
    public void EveryItemRunsOnceAcrossManyLoops()
    {
        var r = new Random(TestRandom.Seed("par items"));
        for (int loop = 0; loop < 300; loop++)
        {
            int from = r.Next(0, 5), count = r.Next(0, 40);
            var hits = new int[from + count];
            Par.Loop(O, from, from + count, i => Interlocked.Increment(ref hits[i]));
            for (int i = 0; i < hits.Length; i++) Assert.Equal(i < from ? 0 : 1, hits[i]);
        }
    }

    [Fact]
    public void AnExceptionInAnItemReachesTheCallerAndThePoolStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            Par.Loop(O, 0, 16, i => { if (i == 11) throw new InvalidOperationException("item 11"); }));
        Assert.Equal("item 11", e.Message);
        long sum = 0;
        Par.Loop(O, 0, 100, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void NestedLoopsRunEveryInnerItem()
    {
        var hits = new int[8 * 8];
        Par.Loop(O, 0, 8, i => Par.Loop(O, 0, 8, j => Interlocked.Increment(ref hits[i * 8 + j])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void LoopsFromSeveralThreadsAtOnceAllComplete()
    {
        var totals = new long[4];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int loop = 0; loop < 200; loop++)
                Par.Loop(O, 0, 10, i => Interlocked.Add(ref totals[t], i + 1));
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.All(totals, t => Assert.Equal(200L * 55, t));
    }
}
