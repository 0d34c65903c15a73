using System.Reflection;
using System.Runtime.CompilerServices;
using CoroNetGAN.Kernels;

namespace CoroNetGAN.Tests;

/// <summary>
/// Kernel settings travel in an options object from the backend that owns them; a writable static field in the
/// kernels would be a setting every backend in the process shares (an A/B benchmark or a test flipping it would
/// change the other backends' numbers). Only documented caches (<see cref="ProcessWideCacheAttribute"/>) may be one.
/// </summary>
public class NoMutableStaticsTests
{
    [Fact]
    public void KernelsHaveNoWritableStaticFieldsButDocumentedCaches()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var offenders = typeof(ProcessWideCacheAttribute).Assembly.GetTypes()
            // Compiler-generated closure classes cache lambda delegates in static fields: not state anyone sets.
            .Where(t => !IsCompilerGenerated(t))
            .SelectMany(t => t.GetFields(all).Select(f => (Type: t, Field: f)))
            .Where(x => !x.Field.IsInitOnly && !x.Field.IsLiteral
                && x.Field.GetCustomAttribute<ProcessWideCacheAttribute>() is null)
            .Select(x => $"{x.Type.FullName}.{x.Field.Name}")
            .OrderBy(s => s, StringComparer.Ordinal)
            .ToList();
        Assert.True(offenders.Count == 0, "writable static fields in CoroNetGAN.Kernels:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void EveryDocumentedCacheSaysWhy()
    {
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var caches = typeof(ProcessWideCacheAttribute).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(all))
            .Select(f => (Field: f, Attribute: f.GetCustomAttribute<ProcessWideCacheAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        Assert.NotEmpty(caches);
        Assert.All(caches, x => Assert.False(string.IsNullOrWhiteSpace(x.Attribute!.Why), x.Field.Name));
    }

    static bool IsCompilerGenerated(Type t)
    {
        for (var c = t; c is not null; c = c.DeclaringType)
            if (c.IsDefined(typeof(CompilerGeneratedAttribute), false)) return true;
        return false;
    }
}
