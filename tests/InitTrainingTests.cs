using CoroNetGAN.Engine.Layers;
using CoroNetGAN.Engine.Models;
using CoroNetGAN.Engine.Pruning;
using CoroNetGAN.Engine.Serialization;
using CoroNetGAN.Engine.Training;

namespace CoroNetGAN.Tests;

/// <summary>TrainOptions.InitGenerators / InitDiscriminators: a run's models start from the given files.</summary>
public class InitTrainingTests
{
    static string Dir(string name) => Path.Combine(Path.GetTempPath(), $"init-train-{name}-{Guid.NewGuid():N}");

    static string SaveRandom(Module m, string path, int seed)
    {
        var rng = new Random(seed);
        foreach (var (_, t) in m.NamedParameters())
            t.CopyFrom(Enumerable.Range(0, t.Length).Select(_ => (float)(0.3 * (2 * rng.NextDouble() - 1))).ToArray());
        ModelFile.Save(m, path);
        return path;
    }

    [Fact]
    public void ACycleGanSearchStartsFromBothGivenGenerators()
    {
        string dir = Dir("cyc");
        Directory.CreateDirectory(dir);
        try
        {
            var config = new ResnetGeneratorConfig(Ngf: 4, Blocks: 6);
            string a = SaveRandom(new ResnetGenerator(config, Device.Cpu, 1), Path.Combine(dir, "a.safetensors"), 1);
            string b = SaveRandom(new ResnetGenerator(config, Device.Cpu, 2), Path.Combine(dir, "b.safetensors"), 2);
            var o = new TrainOptions(TrainMode.CycleGan, 32, 4, Path.Combine(dir, "run"), Ngf: 4, NetG: GeneratorArch.Resnet6, Ndf: 8,
                Prune: new PruneOptions(TargetRatio: 0.5, MacImageSize: 32), InitGenerators: [a, b]);
            using var t = Trainer.Create(o, new SyntheticImages(4, 32, paired: false));
            var files = new[] { a, b };
            int i = 0;
            foreach (var (name, g) in t.CurrentGenerators)
            {
                using var trained = ModelFile.Load(files[i++], Device.Cpu);
                var plain = trained.NamedModules().ToDictionary(m => m.Path, m => m.Module);
                int checkedConvs = 0;
                foreach (var (path, module) in g.NamedModules())
                {
                    if (module is not HyperConv hc) continue;
                    var expected = plain[path] is Conv2d c ? c.Weight.ToArray() : ((ConvTranspose2d)plain[path]).Weight.ToArray();
                    float[] actual;
                    using (Tape.NoGrad()) actual = hc.GenerateWeight().ToArray();
                    double worst = expected.Zip(actual, (e, x) => Math.Abs((double)e - x)).Max();
                    Assert.True(worst <= 1e-6, $"{name} {path}: {worst:G3}");
                    checkedConvs++;
                }
                Assert.Equal(18, checkedConvs);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void APlainRunAndADiscriminatorLoadTheirFilesAndMismatchesNameKeyAndShapes()
    {
        string dir = Dir("plain");
        Directory.CreateDirectory(dir);
        try
        {
            string g = SaveRandom(new UnetGenerator(new UnetGeneratorConfig(Ngf: 4, NumDowns: 5), Device.Cpu, 1), Path.Combine(dir, "g.safetensors"), 3);
            string d = SaveRandom(new PatchGanDiscriminator(new PatchGanConfig(InputChannels: 6, Ndf: 8, Norm: NormKind.Batch), Device.Cpu, 1), Path.Combine(dir, "d.safetensors"), 4);
            var o = new TrainOptions(TrainMode.Pix2Pix, 32, 4, Path.Combine(dir, "run"), Ngf: 4, Ndf: 8, NoPrune: true, InitGenerators: [g], InitDiscriminators: [d]);
            using (var t = Trainer.Create(o, new SyntheticImages(4, 32, paired: true)))
            {
                using var trained = ModelFile.Load(g, Device.Cpu);
                var expected = trained.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.ToArray());
                foreach (var (name, p) in t.CurrentGenerators.Values.Single().NamedParameters()) Assert.Equal(expected[name], p.ToArray());
            }
            using (var disc = new PatchGanDiscriminator(new PatchGanConfig(InputChannels: 6, Ndf: 8, Norm: NormKind.Batch), Device.Cpu, 9))
            {
                TrainInit.Discriminator(o, 0, disc);
                using var trained = ModelFile.Load(d, Device.Cpu);
                var expected = trained.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.ToArray());
                foreach (var (name, p) in disc.NamedParameters()) Assert.Equal(expected[name], p.ToArray());
            }
            // The run asks for ngf 8: the file's ngf 4 shows in the first conv's shape.
            var e = Assert.Throws<InvalidDataException>(() => Trainer.Create(o with { Ngf = 8, InitDiscriminators = null }, new SyntheticImages(4, 32, paired: true)));
            Assert.Contains("--init", e.Message);
            Assert.Contains(g, e.Message);
            Assert.Contains("model.model.0.weight", e.Message);
            Assert.Contains("[8,3,4,4]", e.Message);
            Assert.Contains("[4,3,4,4]", e.Message);
            // A discriminator file given as the generator is refused by kind.
            var k = Assert.Throws<InvalidDataException>(() => Trainer.Create(o with { InitGenerators = [d], InitDiscriminators = null }, new SyntheticImages(4, 32, paired: true)));
            Assert.Contains("NLayerDiscriminator", k.Message);
            Assert.Contains("trains 1 generator(s)", Assert.Throws<ArgumentException>(() => (o with { InitGenerators = [g, g] }).Validate()).Message);

            // A resume takes every weight from the checkpoint: the init file is not read again, and may be gone.
            var o2 = o with { InitDiscriminators = null, TotalSteps = 2, OutputDirectory = Path.Combine(dir, "run2") };
            using (var t = Trainer.Create(o2, new SyntheticImages(4, 32, paired: true))) t.Run();
            File.Delete(g);
            using (var r = Trainer.Resume(o2.OutputDirectory, new SyntheticImages(4, 32, paired: true))) Assert.Equal(2, r.Step);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
