using System.Reflection;

namespace HiPO.Server.Tests.Deploy;

/// <summary>
/// The server ships its own assemblies only: the models that only the tests and the benchmark write
/// (tests/TestModels) stay out of them; the demo model's builder stays in.
/// </summary>
public sealed class ProductAssembliesTests
{
    private static readonly Assembly TestModels = typeof(ScriptedFixture).Assembly;

    [Fact]
    public void Server_assemblies_do_not_reference_the_test_models()
    {
        var product = ProductAssemblies();

        Assert.Contains(product, a => a.GetName().Name == "HiPO.Gguf");
        Assert.Contains(product, a => a == typeof(ScriptedModelBuilder).Assembly);
        Assert.DoesNotContain(product, a => a == TestModels);
    }

    [Fact]
    public void No_server_assembly_defines_a_test_model_type()
    {
        var testTypes = TestModels.GetExportedTypes().Select(t => t.FullName).ToHashSet();
        Assert.Contains("HiPO.Gguf.Scripting.ScriptedFixture", testTypes);
        Assert.Contains("HiPO.Gguf.Qwen3.RandomModelWriter", testTypes);

        foreach (var assembly in ProductAssemblies())
            Assert.DoesNotContain(assembly.GetTypes(), t => testTypes.Contains(t.FullName));
    }

    /// <summary>hipo-server and the HiPO assemblies it references, directly or through each other.</summary>
    private static List<Assembly> ProductAssemblies()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>([new AssemblyName("hipo-server")]);
        while (pending.TryPop(out var name))
        {
            if (found.ContainsKey(name.Name!))
                continue;
            var assembly = Assembly.Load(name);
            found.Add(name.Name!, assembly);
            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("HiPO.", StringComparison.Ordinal)))
                pending.Push(reference);
        }
        return [.. found.Values];
    }
}
