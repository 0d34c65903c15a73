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
}
