global using CoroNetGAN.Engine.Devices;
global using CoroNetGAN.Engine.Ops;
global using CoroNetGAN.Engine.Optim;
global using CoroNetGAN.Engine.Tensors;
global using Xunit;

// One test at a time: a Device is used from one thread at a time, the CPU kernels already spread every op
// across all cores, and the buffer-pool tests read the CPU device's pool, which a concurrent test would change.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
