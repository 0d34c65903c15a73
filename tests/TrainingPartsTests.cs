using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

public sealed class TrainingPartsTests
{
    static float Loss(GanMode mode, float pred, bool real, bool forGenerator = false)
    {
        using var scope = Tape.NoGrad();
        return GanLoss.Of(mode, Tensor.Full(Device.Cpu, pred, 1, 1, 2, 2), real, forGenerator).Item();
    }

    [Fact]
    public void GanLossesMatchTheReferenceFormulas()
    {
        Assert.Equal(1f, Loss(GanMode.Lsgan, 0f, real: true), 6);
        Assert.Equal(0.25f, Loss(GanMode.Lsgan, 0.5f, real: false), 6);
        Assert.Equal(MathF.Log(2f), Loss(GanMode.Vanilla, 0f, real: true), 5);
        Assert.Equal(0.5f, Loss(GanMode.Hinge, 0.5f, real: true), 6);   // relu(1 - 0.5)
        Assert.Equal(1.5f, Loss(GanMode.Hinge, 0.5f, real: false), 6);  // relu(1 + 0.5)
        Assert.Equal(0f, Loss(GanMode.Hinge, 2f, real: true), 6);
        Assert.Equal(-0.5f, Loss(GanMode.Hinge, 0.5f, real: true, forGenerator: true), 6);
    }

    [Fact]
    public void LearningRateIsConstantThenDecaysLinearlyAndTheLastStepStillTrains()
    {
        var s = new LearningRateSchedule(2e-4f, DecayStart: 5, TotalSteps: 10);
        Assert.Equal(2e-4f, s.At(0));
        Assert.Equal(2e-4f, s.At(4));
        Assert.Equal(2e-4f, s.At(5));
        Assert.Equal(1.2e-4f, s.At(7), 1e-9f); // 2 of the 5 decay steps done
        Assert.True(s.At(9) > 0 && s.At(9) < s.At(8));
    }

    [Fact]
    public void ImagePoolFillsThenSwapsAndIsReproducibleFromItsState()
    {
        var a = new ImagePool(2, 7);
        var outputs = new List<float[]>();
        for (int i = 0; i < 12; i++) outputs.Add(a.Query([i, i], 2));
        Assert.Equal([0f, 0f], outputs[0]);
        Assert.Equal(2, a.Images.Count);
        Assert.Contains(outputs.Skip(2), o => o[0] != outputs.IndexOf(o));

        var b = new ImagePool(2, 7);
        for (int i = 0; i < 6; i++) b.Query([i, i], 2);
        var c = new ImagePool(2, 7);
        c.Restore(b.Images.Select(x => (float[])x.Clone()), b.Draws);
        for (int i = 6; i < 12; i++) Assert.Equal(b.Query([i, i], 2), c.Query([i, i], 2));
    }

    [Fact]
    public void BadOptionsAreRefusedNamingTheProblem()
    {
        Assert.Contains("power-of-two", Assert.Throws<ArgumentException>(() => new TrainOptions(TrainMode.CycleGan, 48, 4, "x", NetG: GeneratorArch.Unet).Validate()).Message);
        Assert.Contains("power-of-two", Assert.Throws<ArgumentException>(() => new TrainOptions(TrainMode.Pix2Pix, 48, 4, "x").Validate()).Message);
        Assert.Contains("steps", Assert.Throws<ArgumentException>(() => new TrainOptions(TrainMode.Pix2Pix, 32, 0, "x").Validate()).Message);
        Assert.Contains("paired", Assert.Throws<ArgumentException>(() => Trainer.Create(new TrainOptions(TrainMode.Pix2Pix, 32, 2, "x", Ngf: 4, Ndf: 4),
            new SyntheticImages(2, 32, paired: false))).Message);
    }
}
