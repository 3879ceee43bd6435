using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace HiPO.Server.Tests.Deploy;

/// <summary>The repository's deployment files and the server sources they must agree with.</summary>
internal static partial class DeployFiles
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PathOf(string relative) => Path.Combine(RepositoryRoot, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static Dockerfile Dockerfile => Dockerfile.Read(PathOf("deploy/docker/Dockerfile"));

    public static JsonNode Compose => YamlDocuments.Load(PathOf("deploy/docker/compose.yaml")).Single();

    /// <summary>The Kubernetes objects that <c>kubectl apply -k deploy/k8s</c> applies.</summary>
    public static IReadOnlyList<JsonNode> KubernetesObjects =>
    [
        .. YamlDocuments.Load(PathOf("deploy/k8s/kustomization.yaml")).Single()["resources"]!.AsArray()
            .SelectMany(resource => YamlDocuments.Load(PathOf($"deploy/k8s/{resource!.GetValue<string>()}"))),
    ];

    public static JsonNode KubernetesObject(string kind) =>
        KubernetesObjects.Single(o => o["kind"]!.GetValue<string>() == kind);

    /// <summary>The routes the server maps (<c>MapGet("/path", ...)</c> and the like), read from its sources.</summary>
    public static IReadOnlySet<string> ServerRoutes { get; } = Directory
        .EnumerateFiles(PathOf("src/Server"), "*.cs", SearchOption.AllDirectories)
        .SelectMany(file => RouteMapping().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
        .ToHashSet();

    /// <summary>Whether any server or inference source mentions <paramref name="text"/> (a metric name, a route helper).</summary>
    public static bool ServerSourcesMention(string text) =>
        new[] { "src/Server", "src/Inference" }
            .SelectMany(folder => Directory.EnumerateFiles(PathOf(folder), "*.cs", SearchOption.AllDirectories))
            .Any(file => File.ReadAllText(file).Contains(text, StringComparison.Ordinal));

    // From the test binaries up; a project that compiles these files elsewhere finds it from the sources instead.
    private static string FindRepositoryRoot([CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source)! })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "HiPO.Server.sln")))
                    return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No HiPO.Server.sln above {AppContext.BaseDirectory} or {source}.");
    }

    [GeneratedRegex(@"Map(?:Get|Post|Put|Delete|Methods|HealthChecks)\(\s*""(/[^""]*)""")]
    private static partial Regex RouteMapping();
}
