using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Tensors;

namespace CoroNetGAN.Engine.Training;

public abstract partial class Trainer
{
    /// <summary>Training targets averaged for the mean-image baseline; more adds time and changes little.</summary>
    const int MeanImageSamples = 2000;

    /// <summary>Writes the compact generator(s), scores the test split and writes <c>report.json</c> (in a distributed
    /// run only rank 0 writes and scores; the other ranks return the report without them).</summary>
    TrainReport Finish()
    {
        string dir = Options.OutputDirectory;
        bool write = WritesFiles;
        var files = new List<string>();
        for (int i = 0; i < Generators.Count; i++)
        {
            string file = Path.Combine(dir, i == 0 ? "compact.safetensors" : "compact_BtoA.safetensors");
            if (write) ModelFile.Save(Generators[i].Model, file, Options.Size);
            files.Add(file);
        }
        var main = Generators[0];
        var report = new TrainReport
        {
            Mode = ModeName,
            Arch = ArchName,
            Size = Options.Size,
            Ngf = Options.Ngf,
            MacImageSize = MacSize,
            FullMacs = _fullMacs,
            TargetMacs = main.Search is { } s ? (long)Math.Round(s.TargetRatio * _fullMacs) : null,
            CompactMacs = CompactMacs(main.Model),
            FullParams = _fullParams,
            CompactParams = main.Model.ParameterCount,
            Widths = ModelFactory.Widths(main.Model),
            WidthLayout = string.Join(", ", Models.Families.GeneratorFamilies.Of(main.Model).WidthLayout(main.Model)),
            CompactMacsBtoA = Generators.Count > 1 ? CompactMacs(Generators[1].Model) : null,
            WidthsBtoA = Generators.Count > 1 ? ModelFactory.Widths(Generators[1].Model) : null,
            TotalSteps = Options.TotalSteps,
            Phases = new Dictionary<string, PhaseTime>(_phases),
            CompactModel = files[0],
            CompactModelBtoA = files.Count > 1 ? files[1] : null,
            Test = write && _testData is { Paired: true } && Models.Families.GeneratorFamilies.Of(main.Model).TranslatesImages ? Score(main.Model, _testData) : null,
            SearchLog = Options.NoPrune ? null : Generators.ToDictionary(g => g.Name, g => g.Search!.History.ToArray()),
        };
        if (write)
        {
            WriteJson(Path.Combine(dir, "report.json"), report);
            WriteJson(Path.Combine(dir, "history.json"), _history);
        }
        return report;
    }

    /// <summary>
    /// L1 of <paramref name="generator"/> (eval mode) on the paired <paramref name="test"/> split, next to the two
    /// baselines a useful generator must beat: the input itself and the mean training target.
    /// </summary>
    TestScores Score(Module generator, IImageDataset test)
    {
        int plane = 3 * Options.Size * Options.Size;
        var mean = new double[plane];
        int n = Math.Min(TrainData.Count, MeanImageSamples);
        for (int i = 0; i < n; i++)
        {
            var b = TrainData.Load(i, 0).B;
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
                    output = generator.Forward(Tensor.FromArray(Device, pair.A, 1, 3, Options.Size, Options.Size)).ToArray();
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
