using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace CoroNetGAN.Tests;

/// <summary>
/// The API (namespace CoroNetGAN, docs/api.md) is the one public face: the command line is written against it alone,
/// so anything it can do an app can do, and the engine's namespaces (CoroNetGAN.Engine.*) stay free to change.
/// Checked on the compiled assembly, where every type it touches (through a call, a field, a signature, a generic
/// argument or an attribute) is a type reference, rather than on the sources' using directives.
/// </summary>
public class ApiBoundaryTests
{
    const string EngineNamespace = "CoroNetGAN.Engine";

    [Fact]
    public void Cli_assembly_references_no_engine_type()
    {
        var engineTypes = EngineTypeReferences(typeof(Cli.Program).Assembly.Location);
        Assert.True(engineTypes.Count == 0,
            "the command line uses engine types; give the API a member or type for them (docs/api.md):\n" + string.Join("\n", engineTypes));
    }

    [Fact]
    public void The_check_sees_engine_types_where_an_assembly_uses_them()
    {
        // The bindings implement the API on the engine: the same reader must find the engine types they use, or the
        // test above would pass on any assembly.
        var engineTypes = EngineTypeReferences(typeof(Generator).Assembly.Location);
        Assert.Contains("CoroNetGAN.Engine.Training.Trainer", engineTypes);
        Assert.Contains("CoroNetGAN.Engine.Data.FolderDataset", engineTypes);
    }

    [Fact]
    public void Cli_project_references_the_api_not_the_engine()
    {
        var cli = XDocument.Load(Path.Combine(SharedFiles.RepoRoot, "bindings", "Cli", "CoroNetGAN.Cli.csproj"));
        var references = cli.Descendants("ProjectReference").Select(r => ((string?)r.Attribute("Include") ?? "").Replace('\\', '/')).ToList();
        Assert.Contains(references, r => r.EndsWith("/CoroNetGAN/CoroNetGAN.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.EndsWith("/CoroNetGAN.Engine.csproj", StringComparison.Ordinal) || r.Contains("/kernels/", StringComparison.Ordinal));
    }

    [Fact]
    public void Api_assemblies_expose_no_engine_type_in_a_public_signature()
    {
        // The engine's own API types (Device, TrainOptions, Module, ...: docs/api.md) are in namespace CoroNetGAN; what the
        // bindings, ONNX export and evaluation assemblies take and return must be too.
        var exposed = new[] { typeof(Generator).Assembly, typeof(Onnx.OnnxExport).Assembly, typeof(Evaluation.Study).Assembly }
            .SelectMany(a => a.GetExportedTypes())
            .SelectMany(EngineTypesExposedBy)
            .ToList();
        Assert.True(exposed.Count == 0, "public API signatures with engine types:\n" + string.Join("\n", exposed));
    }

    [Fact]
    public void The_signature_check_sees_engine_types_in_a_signature()
    {
        var exposed = EngineTypesExposedBy(typeof(Engine.Training.Trainer)).ToList();
        Assert.Contains("CoroNetGAN.Engine.Distributed.GradientAverager <- CoroNetGAN.Engine.Training.Trainer.GradientAverager", exposed);
        Assert.Contains("CoroNetGAN.Engine.Training.OptimizerStepInfo <- CoroNetGAN.Engine.Training.Trainer.OptimizerStepped", exposed);
    }

    /// <summary>"engine type &lt;- type.member" for each engine type in a public signature of <paramref name="type"/>.</summary>
    static IEnumerable<string> EngineTypesExposedBy(Type type) =>
        from x in SignatureTypes(type)
        from t in x.Types
        where InEngine(t.Namespace ?? "")
        select $"{t.FullName} <- {type.FullName}.{x.Member}";

    static IEnumerable<(string Member, IEnumerable<Type> Types)> SignatureTypes(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } b) yield return ("(base)", Expand(b));
        foreach (var i in type.GetInterfaces()) yield return ("(interface)", Expand(i));
        foreach (var m in type.GetMembers(flags))
        {
            switch (m)
            {
                case MethodBase mb when !mb.IsSpecialName || mb is ConstructorInfo:
                    yield return (m.Name, mb.GetParameters().SelectMany(p => Expand(p.ParameterType))
                        .Concat(mb is MethodInfo mi ? Expand(mi.ReturnType) : []));
                    break;
                case PropertyInfo p: yield return (m.Name, Expand(p.PropertyType)); break;
                case FieldInfo f: yield return (m.Name, Expand(f.FieldType)); break;
                case EventInfo e: yield return (m.Name, Expand(e.EventHandlerType!)); break;
            }
        }
    }

    static IEnumerable<Type> Expand(Type t)
    {
        if (t.HasElementType) { foreach (var e in Expand(t.GetElementType()!)) yield return e; yield break; }
        if (t.IsGenericParameter) yield break;
        yield return t;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) foreach (var e in Expand(a)) yield return e;
    }

    [Fact]
    public void Demo_images_and_tooling_live_outside_the_api_assembly()
    {
        var api = typeof(Generator).Assembly;
        Assert.Equal("CoroNetGAN.DemoData", typeof(DemoData).Assembly.GetName().Name);
        Assert.Equal("CoroNetGAN.Tooling", typeof(Tooling.Parity).Assembly.GetName().Name);
        Assert.Equal("CoroNetGAN.Tooling", typeof(Tooling.QuickBench).Assembly.GetName().Name);
        Assert.Contains(typeof(DemoData).Assembly.GetManifestResourceNames(), r => r.StartsWith("demo/openmoji-pairs/train/", StringComparison.Ordinal));
        Assert.DoesNotContain(api.GetManifestResourceNames(), r => r.StartsWith("demo/", StringComparison.Ordinal));
        Assert.DoesNotContain(api.GetReferencedAssemblies(), a => a.Name is "CoroNetGAN.DemoData" or "CoroNetGAN.Tooling");
    }

    /// <summary>Full names of the types in CoroNetGAN.Engine.* that the assembly at <paramref name="path"/> references or defines.</summary>
    static List<string> EngineTypeReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeReferences)
        {
            var t = md.GetTypeReference(handle);
            // A nested type's namespace is its outermost declaring type's.
            var outer = t;
            while (outer.ResolutionScope.Kind == HandleKind.TypeReference) outer = md.GetTypeReference((TypeReferenceHandle)outer.ResolutionScope);
            string ns = md.GetString(outer.Namespace);
            if (InEngine(ns)) names.Add($"{ns}.{md.GetString(t.Name)}");
        }
        foreach (var handle in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(handle);
            string ns = md.GetString(t.Namespace);
            if (InEngine(ns)) names.Add($"{ns}.{md.GetString(t.Name)}");
        }
        return names.ToList();
    }

    static bool InEngine(string ns) => ns == EngineNamespace || ns.StartsWith(EngineNamespace + ".", StringComparison.Ordinal);
}
