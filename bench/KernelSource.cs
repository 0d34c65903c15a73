using CoroNetGAN.Engine.Devices;
using CoroNetGAN.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CoroNetGAN.Bench;

/// <summary>
/// <c>kernel-source opencl|ptx PASS ROWSxCOLUMNS [shared]</c>: prints the OpenCL C or PTX that ILGPU generates for
/// one conv kernel (PASS = forward, backward-data or backward-weight), without a device, to see what the device
/// compiler gets.
/// </summary>
public static class KernelSource
{
    public static void Run(string target, string pass, string tile, bool shared)
    {
        var dims = tile.Split('x').Select(int.Parse).ToArray();
        var method = shared
            ? IlgpuBackend.SharedMethod(pass switch
            {
                "forward" => typeof(ForwardGemm),
                "backward-data" => typeof(BackwardDataGemm),
                _ => typeof(BackwardWeightGemm),
            }, dims[0], dims[1], target != "ptx", ConvKernels.SharedFloats(16, 16, dims[0], dims[1], 16))
            : IlgpuBackend.TiledMethod(pass switch
            {
                "forward" => nameof(ConvKernels.Forward),
                "backward-data" => nameof(ConvKernels.BackwardData),
                _ => nameof(ConvKernels.BackwardWeight),
            }, dims[0], dims[1]);
        var entry = shared ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        using var context = Context.Create(b => { b.CPU().EnableAlgorithms(); if (Environment.GetEnvironmentVariable("FASTMATH") == "1") b.Math(MathMode.Fast); });
        if (target == "ptx")
        {
            using var ptx = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
            Console.WriteLine(((PTXCompiledKernel)ptx.Compile(entry, KernelSpecialization.Empty)).PTXAssembly);
        }
        else
        {
            using var cl = new CLBackend(context, new CLCapabilityContext(float16: false, float64: false, genericAddressSpace: true, int64_Atomics: false, subGroups: false),
                CLDeviceVendor.Other, CLCVersion.CL20);
            Console.WriteLine(((CLCompiledKernel)cl.Compile(entry, KernelSpecialization.Empty)).Source);
        }
    }
}
