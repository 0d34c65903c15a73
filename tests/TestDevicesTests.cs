namespace CoroNetGAN.Tests;

/// <summary>The device list the other tests run over.</summary>
public class TestDevicesTests
{
    [Fact]
    public void CpuFirstThenEveryListedDeviceOpenedOnce()
    {
        var listed = Device.Available().Select(d => d.Name).ToList();
        Assert.Equal("cpu", TestDevices.Names[0]);
        Assert.Same(Device.Cpu, TestDevices.Get("cpu"));
        Assert.Equal(TestDevices.Names.Count, TestDevices.Names.Distinct().Count());
        Assert.All(TestDevices.AllNames, n => Assert.Contains(n, listed));
        Assert.Equal(listed, TestDevices.Names);
        foreach (var n in TestDevices.AllNames)
        {
            var d = TestDevices.Get(n);
            Assert.Same(d, TestDevices.Get(n));
            Assert.Equal(n, d.Name);
        }
    }
}
