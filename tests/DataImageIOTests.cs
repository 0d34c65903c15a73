using CoroNetGAN.Engine.Data;
using CoroNetGAN.Engine.Tensors;
using SixLabors.ImageSharp;
using Xunit;

namespace CoroNetGAN.Tests;

public class DataImageIOTests
{
    [Fact]
    public void Png_round_trip_keeps_values_to_one_level()
    {
        using var t = new DataTestFolders();
        var chw = new float[3 * 8 * 6];
        for (int i = 0; i < chw.Length; i++) chw[i] = MathF.Sin(i) * 1.2f; // overshoots [-1, 1]: clamped on save
        string p = Path.Combine(t.Root, "sub", "x.png");
        ImageIO.SavePng(chw, 8, 6, p);
        using (var img = Image.Load(p)) { Assert.Equal(6, img.Width); Assert.Equal(8, img.Height); }
        var back = ImageIO.Load(p, 8);
        Assert.Equal(3 * 8 * 8, back.Length);
        var square = new float[3 * 8 * 8];
        ImageIO.SavePng(square, 8, 8, p);
        Assert.All(ImageIO.Load(p, 8), v => Assert.True(MathF.Abs(v) <= 1f / 127.5f));
        string q = Path.Combine(t.Root, "y.png");
        var exact = new float[3 * 4 * 4];
        for (int i = 0; i < exact.Length; i++) exact[i] = Math.Clamp(MathF.Sin(i), -1f, 1f);
        ImageIO.SavePng(exact, 4, 4, q);
        var loaded = ImageIO.Load(q, 4);
        for (int i = 0; i < exact.Length; i++) Assert.True(MathF.Abs(exact[i] - loaded[i]) <= 1f / 127.5f);
    }

    [Fact]
    public void Sample_grid_has_one_row_per_sample()
    {
        using var t = new DataTestFolders();
        var img = new float[3 * 10 * 10];
        var rows = Enumerable.Range(0, 4).Select(_ => (IReadOnlyList<float[]>)[img, img, img]).ToList();
        string p = Path.Combine(t.Root, "grid.png");
        ImageIO.SaveGrid(p, 10, 10, rows);
        using var grid = Image.Load(p);
        Assert.Equal(3 * 10 + 4 * 2, grid.Width);
        Assert.Equal(4 * 10 + 5 * 2, grid.Height);
        Assert.False(File.Exists(p + ".tmp"));
    }

    [Fact]
    public void Tensor_saves_as_png()
    {
        using var t = new DataTestFolders();
        var data = Enumerable.Range(0, 3 * 5 * 7).Select(i => (i % 11) / 5f - 1f).ToArray();
        using var x = Tensor.FromArray(TestDevices.Get("cpu"), data, 1, 3, 5, 7);
        string p = Path.Combine(t.Root, "t.png");
        ImageIO.SavePng(x, p);
        using (var img = Image.Load(p)) { Assert.Equal(7, img.Width); Assert.Equal(5, img.Height); }
        using var wrong = Tensor.FromArray(TestDevices.Get("cpu"), data, 3, 5, 7, 1);
        Assert.Throws<ArgumentException>(() => ImageIO.SavePng(wrong, p));
    }
}
