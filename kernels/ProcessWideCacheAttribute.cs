namespace CoroNetGAN.Kernels;

/// <summary>
/// Marks a static field that holds a cache or scratch memory shared by every backend in the process (or every
/// call on one thread), never a setting: what it holds changes only how fast a kernel runs, not what it computes.
/// The test that forbids writable static fields in this assembly accepts only fields that carry it.
/// </summary>
/// <param name="why">Why the cache is process-wide rather than owned by a backend.</param>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class ProcessWideCacheAttribute(string why) : Attribute
{
    /// <summary>Why the cache is process-wide rather than owned by a backend.</summary>
    public string Why { get; } = why;
}
