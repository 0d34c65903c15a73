namespace CoroNetGAN.Engine.Training;

/// <summary>
/// The initialisation and sampling seeds a run derives from <see cref="TrainOptions.Seed"/>, in one place: checkpoints
/// do not store them, so changing any of them changes every run's weights and breaks bit-exact resume of old runs.
/// Each network gets its own stream: run seed x 16, plus 1 + i for the i-th generator and 8 + i for the i-th
/// discriminator (room for 7 of each).
/// </summary>
internal static class RunSeeds
{
    const int Stride = 16;
    const int FirstGenerator = 1;
    const int FirstDiscriminator = 8;
    const uint PoolA = 0xA11CEu;
    const uint PoolB = 0xB0B0Bu;
    const uint Noise0 = 0xD0C6Au;

    /// <summary>The init seed of the <paramref name="index"/>-th generator.</summary>
    public static int Generator(int runSeed, int index) => runSeed * Stride + FirstGenerator + index;

    /// <summary>The init seed of the <paramref name="index"/>-th discriminator.</summary>
    public static int Discriminator(int runSeed, int index) => runSeed * Stride + FirstDiscriminator + index;

    /// <summary>The init seed of the <paramref name="index"/>-th generator when the fine-tune starts it afresh (<see cref="FinetuneStart.Scratch"/>).</summary>
    public static int FinetuneGeneratorSeed(int runSeed, int index) => runSeed * Stride + FirstGenerator + 3 + index;

    /// <summary>The init seed of the <paramref name="index"/>-th discriminator when the fine-tune restarts it (<see cref="FinetuneDiscriminator.Restart"/>).</summary>
    public static int FinetuneDiscriminatorSeed(int runSeed, int index) => runSeed * Stride + FirstDiscriminator + 4 + index;

    /// <summary>The draw seed of CycleGAN's image pool of domain A (fakes of A) or B.</summary>
    public static uint Pool(int runSeed, bool domainA) => (uint)runSeed ^ (domainA ? PoolA : PoolB);

    /// <summary>
    /// The seed of DCGAN's noise at <paramref name="step"/> (-1: the fixed noise of the samples); <paramref name="stream"/>
    /// separates the training noise (0) from the sample noise (1).
    /// </summary>
    public static int Noise(int runSeed, long step, uint stream) =>
        (int)(Kernels.RandomHash.Hash(((uint)runSeed ^ Noise0) + stream, (uint)step) & int.MaxValue);
}
