using CoroNetGAN.Engine.Data;
using Xunit;

namespace CoroNetGAN.Tests;

public class DataBadInputTests
{
    [Fact]
    public void Missing_folder_is_named_with_the_layout()
    {
        using var t = new DataTestFolders();
        var e = Assert.Throws<DatasetFolderException>(() => FolderDataset.OpenAligned(t.Root, 16));
        Assert.Equal(Path.Combine(t.Root, "train"), e.Folder);
        Assert.Contains(Path.Combine(t.Root, "train"), e.Message);
        Assert.Contains("A|B side by side", e.Message);
        var u = Assert.Throws<DatasetFolderException>(() => CoroNetGAN.Datasets.Open(Path.Combine(t.Root, "nope"), "cyclegan", 16));
        Assert.Contains(Path.Combine(t.Root, "nope"), u.Message);
        Assert.Contains("trainA", u.Message);
    }

    [Fact]
    public void Empty_folder_is_named()
    {
        using var t = new DataTestFolders();
        t.Dir("trainA");
        File.WriteAllText(Path.Combine(t.Dir("trainB"), "notes.txt"), "not an image");
        DataTestFolders.WriteTextured(Path.Combine(t.Dir("trainA"), "a.png"), 8, 8, 0);
        var e = Assert.Throws<DatasetFolderException>(() => FolderDataset.OpenUnaligned(t.Root, 8));
        Assert.Contains(Path.Combine(t.Root, "trainB"), e.Message);
        Assert.Contains("no images", e.Message);
    }

    static (DataTestFolders T, string Bad) WithBad(Action<string> writeBad)
    {
        var t = new DataTestFolders();
        var train = t.Dir("train");
        for (int i = 0; i < 3; i++) DataTestFolders.WriteAligned(Path.Combine(train, $"ok{i}.png"), 16, 16, i);
        string bad = Path.Combine(train, "bad.png");
        writeBad(bad);
        return (t, bad);
    }

    static void AssertRefusedThenSkipped(DataTestFolders t, string bad, FolderDatasetOptions? o = null)
    {
        o ??= new FolderDatasetOptions();
        var e = Assert.Throws<BadImageException>(() => FolderDataset.OpenAligned(t.Root, 16, o));
        Assert.Equal(bad, e.FilePath);
        Assert.Contains(bad, e.Message);
        var heard = new List<string>();
        var ds = FolderDataset.OpenAligned(t.Root, 16, o with { SkipBadImages = true, Warning = heard.Add });
        Assert.Equal(3, ds.Count);
        Assert.DoesNotContain(bad, ds.Files);
        Assert.Contains(ds.Warnings, w => w.Contains(bad));
        Assert.Equal(ds.Warnings, heard);
    }

    [Fact]
    public void Corrupt_png_is_named_and_can_be_skipped()
    {
        var (t, bad) = WithBad(p => File.WriteAllBytes(p, Enumerable.Range(0, 300).Select(i => (byte)(i * 73 + 11)).ToArray()));
        using (t) AssertRefusedThenSkipped(t, bad);
    }

    [Fact]
    public void Truncated_png_is_named_and_can_be_skipped()
    {
        var (t, bad) = WithBad(p =>
        {
            string full = DataTestFolders.WriteAligned(p + ".full", 64, 64, 9);
            var bytes = File.ReadAllBytes(full);
            File.Delete(full);
            File.WriteAllBytes(p, bytes[..(bytes.Length / 2)]);
        });
        using (t) AssertRefusedThenSkipped(t, bad);
    }

    [Fact]
    public void Image_over_the_decoder_limit_is_refused_by_name()
    {
        var (t, bad) = WithBad(p => DataTestFolders.WriteAligned(p, 100, 100, 1));
        using (t)
        {
            AssertRefusedThenSkipped(t, bad, new FolderDatasetOptions { Limits = new ImageLimits(MaxPixels: 64 * 64) });
            var e = Assert.Throws<BadImageException>(() => ImageIO.Load(bad, 16, new ImageLimits(MaxPixels: 64 * 64)));
            Assert.Contains("over the decoder limit", e.Reason);
        }
    }

    [Fact]
    public void Image_over_the_allocation_limit_is_refused_by_name()
    {
        using var t = new DataTestFolders();
        // 1024 x 1024 RGBA is a 4 MiB pixel buffer: over a 1 MiB allocator limit even though the pixel count is allowed.
        string big = DataTestFolders.WritePng(Path.Combine(t.Root, "big.png"), 1024, 1024, (x, y) => new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)x, (byte)y, 0));
        var e = Assert.Throws<BadImageException>(() => ImageIO.Load(big, 16, new ImageLimits(MaxPixels: long.MaxValue, AllocationLimitMegabytes: 1)));
        Assert.Equal(big, e.FilePath);
        Assert.Equal(3 * 16 * 16, ImageIO.Load(big, 16).Length);
    }
}
