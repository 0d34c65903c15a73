using CoroNetGAN.Engine.Data;
using Xunit;

namespace CoroNetGAN.Tests;

public class DataFolderDatasetTests
{
    static readonly FolderDatasetOptions Train = new() { LoadSize = 20 };

    static AlignedFolderDataset Aligned(DataTestFolders t, int n = 3, FolderDatasetOptions? o = null)
    {
        var train = t.Dir("train");
        for (int i = 0; i < n; i++) DataTestFolders.WriteAligned(Path.Combine(train, $"p{i}.png"), 24, 24, i);
        return FolderDataset.OpenAligned(t.Root, 16, o ?? Train);
    }

    [Fact]
    public void Aligned_loads_pairs_in_range()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t);
        Assert.Equal(3, ds.Count);
        Assert.True(ds.Paired);
        Assert.Equal(16, ds.Size);
        for (int i = 0; i < ds.Count; i++)
        {
            var p = ds.Load(i, 7);
            Assert.Equal(3 * 16 * 16, p.A.Length);
            Assert.Equal(3 * 16 * 16, p.B.Length);
            Assert.All(p.A, v => Assert.InRange(v, -1f, 1f));
            Assert.All(p.B, v => Assert.InRange(v, -1f, 1f));
        }
    }

    [Fact]
    public void Same_seed_same_pixels_different_seeds_differ()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t);
        Assert.Equal(ds.Load(1, 42).A, ds.Load(1, 42).A);
        var seen = new HashSet<string>();
        for (uint s = 0; s < 8; s++) seen.Add(string.Join(",", ds.Load(1, s).A.Take(64)));
        Assert.True(seen.Count > 2, $"only {seen.Count} distinct crops over 8 seeds");
    }

    [Fact]
    public void Aligned_A_and_B_share_crop_and_flip()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t);
        // B was written as the inverse of A, so with one shared crop and flip B = -A up to resize rounding.
        for (uint s = 0; s < 12; s++)
        {
            var p = ds.Load(0, s);
            for (int k = 0; k < p.A.Length; k++) Assert.True(MathF.Abs(p.A[k] + p.B[k]) < 0.05f, $"seed {s} element {k}: A {p.A[k]} B {p.B[k]}");
        }
        using var t2 = new DataTestFolders();
        var swapped = Aligned(t2, o: Train with { Direction = TranslationDirection.BtoA });
        var q = swapped.Load(0, 3);
        Assert.True(q.A.Zip(q.B).All(z => MathF.Abs(z.First + z.Second) < 0.05f));
    }

    [Fact]
    public void Test_phase_is_deterministic_and_uncropped()
    {
        using var t = new DataTestFolders();
        DataTestFolders.WriteAligned(Path.Combine(t.Dir("test"), "a.png"), 16, 16, 0);
        var ds = FolderDataset.OpenAligned(t.Root, 16, new FolderDatasetOptions { Phase = DatasetPhase.Test });
        var p = ds.Load(0, 1);
        Assert.Equal(p.A, ds.Load(0, 99).A);
        // 16 px halves at size 16: no resize, so pixels come through exactly.
        Assert.Equal(DataTestFolders.Texture(5, 3, 1, 0) / 127.5f - 1f, p.A[256 + 3 * 16 + 5], 5);
    }

    [Fact]
    public void Unaligned_reads_both_domains_and_draws_B_apart_from_A()
    {
        using var t = new DataTestFolders();
        for (int i = 0; i < 3; i++) DataTestFolders.WriteTextured(Path.Combine(t.Dir("trainA"), $"a{i}.png"), 16, 16, i);
        for (int i = 0; i < 5; i++) DataTestFolders.WriteTextured(Path.Combine(t.Dir("trainB"), $"b{i}.png"), 16, 16, 10 + i);
        var ds = FolderDataset.OpenUnaligned(t.Root, 16, new FolderDatasetOptions { RandomCrop = false, Flip = false });
        Assert.Equal(5, ds.Count);
        Assert.False(ds.Paired);
        // A is A[i mod |A|]: sample 4 shows a1.
        Assert.Equal(ImageIO.Load(ds.FilesA[1], 16), ds.Load(4, 0).A);
        var bs = ds.FilesB.Select(f => ImageIO.Load(f, 16)).ToArray();
        var picked = new HashSet<int>();
        for (uint s = 0; s < 20; s++)
        {
            var b = ds.Load(0, s).B;
            int which = Array.FindIndex(bs, x => x.SequenceEqual(b));
            Assert.True(which >= 0);
            picked.Add(which);
        }
        Assert.True(picked.Count >= 3, $"B index took only {picked.Count} values over 20 seeds");
        var train = FolderDataset.OpenUnaligned(t.Root, 16, Train);
        Assert.All(train.Load(2, 5).B, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void DataLoader_batches_through_a_folder_dataset()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t, 5);
        var loader = new DataLoader(ds, 2, 11);
        var b0 = loader.BatchAt(3);
        Assert.Equal([2, 3, 16, 16], b0.Shape);
        Assert.Equal(2 * 3 * 16 * 16, b0.A.Length);
        Assert.Equal(b0.A, new DataLoader(ds, 2, 11).BatchAt(3).A);
        Assert.NotEqual(b0.A, loader.BatchAt(4).A);
    }

    [Fact]
    public void Prefetcher_yields_the_loader_batches_in_step_order()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t, 5);
        var reference = new DataLoader(ds, 2, 3);
        using var pre = new BatchPrefetcher(new DataLoader(ds, 2, 3), startStep: 7, depth: 2);
        for (long step = 7; step < 12; step++)
        {
            Assert.Equal(step, pre.NextStep);
            Assert.Equal(reference.BatchAt(step).B, pre.Next().B);
        }
    }

    [Fact]
    public void Prefetcher_rethrows_a_loading_error()
    {
        using var t = new DataTestFolders();
        var ds = Aligned(t, 2, Train with { CacheMegabytes = 0 });
        foreach (var f in ds.Files) File.WriteAllBytes(f, [1, 2, 3]);
        using var pre = new BatchPrefetcher(new DataLoader(ds, 1, 0), 0);
        Assert.Throws<BadImageException>(() => pre.Next());
    }
}
