namespace CoroNetGAN;

/// <summary>The kinds of backend a <see cref="Device"/> can run on.</summary>
public enum DeviceKind
{
    /// <summary>Vectorized managed code on all cores (the default without a GPU).</summary>
    Cpu,
    /// <summary>ILGPU's CPU accelerator: the ILGPU kernels emulated on threads; for checking kernels, not for training.</summary>
    IlgpuCpu,
    /// <summary>An OpenCL device through ILGPU (a GPU, or a CPU through PoCL).</summary>
    OpenCL,
    /// <summary>An NVIDIA GPU through ILGPU's CUDA backend.</summary>
    Cuda,
    /// <summary>Shapes only, no data: for counting MACs and checking configurations (<see cref="Device.Meta"/>).</summary>
    Meta,
}

/// <summary>One device this machine offers.</summary>
/// <param name="Name">The name to ask for it by: <c>cpu</c>, <c>ilgpu-cpu</c>, <c>opencl:0</c>, <c>cuda:0</c>.</param>
/// <param name="Kind">Its backend.</param>
/// <param name="Description">What it is (hardware name, memory).</param>
/// <param name="IsGpu">True for a GPU (auto prefers these).</param>
public sealed record DeviceInfo(string Name, DeviceKind Kind, string Description, bool IsGpu);
