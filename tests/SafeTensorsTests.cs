using System.Buffers.Binary;
using System.Text;
using CoroNetGAN.Engine.Serialization;

namespace CoroNetGAN.Tests;

/// <summary>The safetensors reader and writer: round trips, layout, atomic writes, and every kind of corrupt file.</summary>
public class SafeTensorsTests
{
    static SafeTensorsFile Sample() => new(
    [
        new("b.weight", SafeTensor.FromFloats([1f, -2f, 3.5f, float.Epsilon, -0f, 6f], 2, 3)),
        new("a.num_batches_tracked", SafeTensor.FromInt64s([long.MaxValue])),
        new("loss", SafeTensor.FromFloats([0.25f])),
    ], new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"ngf\":8}" });

    [Fact]
    public void WriteThenReadGivesTheSameTensorsAndMetadata()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("x.safetensors");
        var original = Sample();
        SafeTensorsFile.Write(path, original);
        var back = SafeTensorsFile.Read(path);
        Assert.Equal(original.Metadata, back.Metadata);
        Assert.Equal(original.Names.Order(), back.Names.Order());
        foreach (var n in original.Names) Assert.True(original[n].ContentEquals(back[n]), n);
        Assert.Equal([], back["a.num_batches_tracked"].Shape);
        Assert.Equal(long.MaxValue, back["a.num_batches_tracked"].ToInt64s()[0]);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(back["b.weight"].ToFloats()[4]));
        Assert.Equal([path], Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void LayoutIsPaddedHeaderThenI64ThenF32InGivenOrder()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("x.safetensors");
        SafeTensorsFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"config\":\"{\\\"ngf\\\":8}\"}", header);
        Assert.Matches(@"^\{.*\} *$", header);
        Assert.Equal(8 + n + 8 + 24 + 4, bytes.Length);
        Assert.True(header.IndexOf("a.num_batches_tracked", StringComparison.Ordinal) < header.IndexOf("b.weight", StringComparison.Ordinal));
        Assert.True(header.IndexOf("b.weight", StringComparison.Ordinal) < header.IndexOf("loss", StringComparison.Ordinal));
        Assert.Contains("\"a.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}", header);
        Assert.Contains("\"b.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}", header);
        Assert.Equal(long.MaxValue, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)(8 + n))));
    }

    [Fact]
    public void AHeaderOnlyFileHoldsNoTensors()
    {
        var empty = SafeTensorsFile.Read(Path.Combine(GoldenCases.Dir("instance_norm"), "weights.safetensors"));
        Assert.Empty(empty.Names);
        Assert.Equal("pt", empty.Metadata["format"]);
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporary()
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("x.safetensors");
        File.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[100]); throw new IOException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    static byte[] File8(string header, int dataBytes, bool pad = true)
    {
        var h = Encoding.UTF8.GetBytes(header);
        int len = pad ? (h.Length + 7) / 8 * 8 : h.Length;
        var bytes = new byte[8 + len + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)len);
        h.CopyTo(bytes, 8);
        for (int i = h.Length; i < len; i++) bytes[8 + i] = (byte)' ';
        return bytes;
    }

    public static IEnumerable<object[]> Corrupt()
    {
        yield return [new byte[5], "5 bytes long"];
        var huge = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(huge, 1000);
        yield return [huge, "claims 1000 bytes but only 8 follow"];
        yield return [File8("{\"a\":", 0), "not valid JSON"];
        yield return [File8("[1,2]", 0), "must be a JSON object"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 12), "tensor 'w' ends at data byte 16 but the data buffer holds only 12 bytes: the file is truncated"];
        yield return [File8("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "tensor 'w' has dtype F16"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "tensor 'w' (F32 [3]) needs 12 bytes"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "tensor 'w' has shape entry -1"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "data bytes 0..4 before tensor 'w' belong to no tensor"];
        yield return [File8("{\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlaps"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12), "8 trailing bytes belong to no tensor"];
        yield return [File8("{\"__metadata__\":{\"n\":3}}", 0), "__metadata__ entry 'n' must be a string"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "names 'w' twice"];
        yield return [File8("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'w' has no data_offsets"];
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void CorruptFilesAreRefusedNamingFileAndFault(byte[] bytes, string fault)
    {
        using var tmp = new GoldenCases.TempDir();
        string path = tmp.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void EveryTruncationOfAGoldenFileIsRefused()
    {
        using var tmp = new GoldenCases.TempDir();
        var bytes = File.ReadAllBytes(Path.Combine(GoldenCases.Dir("batch_norm_train"), "weights.safetensors"));
        string path = tmp.File("cut.safetensors");
        for (int len = 0; len < bytes.Length; len += 7)
        {
            File.WriteAllBytes(path, bytes[..len]);
            var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void DuplicateOrReservedNamesAreRefusedWhenWriting()
    {
        var t = SafeTensor.FromFloats([1f]);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new("a", t), new("a", t)])).Message);
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new("__metadata__", t)]));
        Assert.Throws<ArgumentException>(() => new SafeTensor(SafeTensorDType.F32, [2], new byte[4]));
    }
}
