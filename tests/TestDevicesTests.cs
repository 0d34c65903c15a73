namespace CoroNetGAN.Tests;

/// <summary>The device list the other tests run over.</summary>
public class TestDevicesTests
{
    [Fact]
    [Trait(TestDevices.Trait, TestDevices.Every)]
    public void CpuFirstThenEveryListedDeviceOpenedOnce()
    {
        var listed = Device.Available().Select(d => d.Name).ToList();
        string? chosen = Environment.GetEnvironmentVariable(TestDevices.Variable);
        Assert.Equal("cpu", TestDevices.Names[0]);
        Assert.Same(Device.Cpu, TestDevices.Get("cpu"));
        Assert.Equal(TestDevices.Names.Count, TestDevices.Names.Distinct().Count());
        Assert.All(TestDevices.AllNames, n => Assert.Contains(n, listed));
        if (string.IsNullOrWhiteSpace(chosen)) Assert.Equal(listed, TestDevices.Names);
        else Assert.Equal(["cpu", .. chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => n != "cpu").Distinct()], TestDevices.Names);
        foreach (var n in TestDevices.AllNames)
        {
            var d = TestDevices.Get(n);
            Assert.Same(d, TestDevices.Get(n));
            Assert.Equal(n, d.Name);
        }
    }
}
