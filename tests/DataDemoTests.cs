using CoroNetGAN.Engine.Data;
using Xunit;

namespace CoroNetGAN.Tests;

public class DataDemoTests
{
    [Fact]
    public void Demo_data_extracts_both_layouts_that_open_with_the_expected_counts()
    {
        using var t = new DataTestFolders();
        string pix = DemoData.Extract("pix2pix", t.Root);
        Assert.Equal(Path.Combine(t.Root, "openmoji-pairs"), pix);
        Assert.Equal(pix, DemoData.Extract("pix2pix", t.Root)); // idempotent
        var train = (FolderDataset)Datasets.Open(pix, "pix2pix", 64);
        Assert.Equal(400, train.Count);
        Assert.True(train.Paired);
        Assert.Empty(train.Warnings);
        Assert.Equal(80, Datasets.Open(pix, "pix2pix", 64, "test").Count);

        string cyc = DemoData.Extract("cyclegan", t.Root);
        var unp = (UnalignedFolderDataset)Datasets.Open(cyc, "cyclegan", 64);
        Assert.Equal(270, unp.Count);
        Assert.Equal(270, unp.FilesB.Count);
        Assert.False(unp.Paired);
        Assert.Equal(53, Datasets.Open(cyc, "cyclegan", 64, "test").Count);
        Assert.Throws<ArgumentException>(() => DemoData.Extract("stylegan", t.Root));
    }

    /// <summary>
    /// No test image shares a name (one emoji) with a training image, so the test scores are held-out scores; the
    /// CycleGAN test domains name the same emoji, so its test pairs are the true translations that L1/PSNR/SSIM need.
    /// The splits cannot grow to 500 without breaking this (see tools/prepare-data/README.md): the 480 OpenMoji
    /// faces/people and the 323 single-tone Twemoji people are all in use.
    /// </summary>
    [Fact]
    public void Demo_test_splits_are_disjoint_from_training_and_the_skin_tone_test_pairs_name_the_same_emoji()
    {
        using var t = new DataTestFolders();
        static string[] Names(string dir) => Directory.GetFiles(dir, "*.png").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;

        string pix = DemoData.Extract("pix2pix", t.Root);
        string[] pixTrain = Names(Path.Combine(pix, "train")), pixTest = Names(Path.Combine(pix, "test"));
        Assert.Equal(480, pixTrain.Length + pixTest.Length);
        Assert.Empty(pixTrain.Intersect(pixTest, StringComparer.Ordinal));
        // A skin-tone variant has the base emoji's line art byte for byte, so it would leak a training input into test.
        Assert.DoesNotContain(pixTrain.Concat(pixTest), n => n.Contains("-1F3F", StringComparison.OrdinalIgnoreCase));

        string cyc = DemoData.Extract("cyclegan", t.Root);
        string[] trainA = Names(Path.Combine(cyc, "trainA")), trainB = Names(Path.Combine(cyc, "trainB"));
        string[] testA = Names(Path.Combine(cyc, "testA")), testB = Names(Path.Combine(cyc, "testB"));
        Assert.Equal(testA, testB);
        Assert.Equal(trainA, trainB);
        Assert.Equal(323, trainA.Length + testA.Length);
        Assert.Empty(testA.Intersect(trainA, StringComparer.Ordinal));
    }
}
