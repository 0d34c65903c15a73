using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Training;

/// <summary>
/// Scores an image-to-image generator on a paired test split: its L1 against the targets, next to the two baselines a
/// useful generator must beat (the input itself and the mean training target). Stateless: thread-safe.
/// </summary>
internal static class TestEvaluator
{
    /// <summary>Training targets averaged for the mean-image baseline; more adds time and changes little.</summary>
    const int MeanImageSamples = 2000;

    /// <summary>
    /// L1 of <paramref name="generator"/> (in eval mode; its mode is restored) on the paired <paramref name="test"/>
    /// split of <paramref name="size"/> px images, with the baselines; the mean target comes from <paramref name="train"/>.
    /// </summary>
    public static TestScores Score(Module generator, Device device, int size, IImageDataset test, IImageDataset train)
    {
        int plane = ImageIO.Channels * size * size;
        var mean = new double[plane];
        int n = Math.Min(train.Count, MeanImageSamples);
        for (int i = 0; i < n; i++)
        {
            var b = train.Load(i, 0).B;
            for (int k = 0; k < plane; k++) mean[k] += b[k];
        }
        for (int k = 0; k < plane; k++) mean[k] /= n;

        double l1 = 0, identity = 0, meanL1 = 0;
        bool training = generator.Training;
        generator.Eval();
        try
        {
            for (int i = 0; i < test.Count; i++)
            {
                var pair = test.Load(i, 0);
                float[] output;
                using (Tape.NoGrad())
                    output = generator.Forward(Tensor.FromArray(device, pair.A, 1, ImageIO.Channels, size, size)).ToArray();
                double e = 0, id = 0, me = 0;
                for (int k = 0; k < plane; k++)
                {
                    e += Math.Abs(output[k] - pair.B[k]);
                    id += Math.Abs(pair.A[k] - pair.B[k]);
                    me += Math.Abs(mean[k] - pair.B[k]);
                }
                l1 += e / plane; identity += id / plane; meanL1 += me / plane;
            }
        }
        finally { generator.Train(training); }
        int c = Math.Max(1, test.Count);
        return new TestScores(l1 / c, identity / c, meanL1 / c, test.Count);
    }
}
