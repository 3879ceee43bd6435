using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace HiPO.Server.Tests.Deploy;

/// <summary>
/// The server's settings as deployments set them (<c>HIPO_Section__Key</c> environment variables), checked against
/// what the server reads: the options classes (each with a <c>Section</c> constant, bound and validated as the
/// server binds them) and, for sections read without one (<c>Server</c>), the keys of appsettings.json.
/// </summary>
internal static class HipoSettings
{
    public const string Prefix = "HIPO_";

    private static readonly IReadOnlyDictionary<string, Type> OptionsBySection = FindOptionsTypes();

    private static readonly JsonObject AppSettings = JsonNode.Parse(DeployFiles.Read("appsettings.json"))!.AsObject();

    /// <summary>The configuration key an environment variable sets: <c>HIPO_Model__Path</c> is <c>Model:Path</c>.</summary>
    public static string KeyOf(string variable) => variable[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Every reason the server would ignore or refuse these variables; empty when it takes them all.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string> environment)
    {
        var settings = environment
            .Where(v => v.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(v => KeyOf(v.Key), v => (string?)v.Value, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        // Each key belongs to the options class of its longest section (Reasoning:Adaptive:Enabled to Reasoning:Adaptive, not to
        // Reasoning), which is bound with only its own keys, so that a nested options section is no unknown key of its parent.
        foreach (var group in settings.Keys.GroupBy(OwnerOf, StringComparer.OrdinalIgnoreCase))
        {
            if (OptionsBySection.TryGetValue(group.Key, out var type))
            {
                var own = new ConfigurationBuilder().AddInMemoryCollection(group.Select(k => KeyValuePair.Create(k, settings[k]))).Build();
                problems.AddRange(BindingProblems(own.GetSection(group.Key), type));
            }
            else
                problems.AddRange(group.Where(k => !InAppSettings(k))
                    .Select(k => $"{k}: no options class has section '{group.Key}' and appsettings.json has no such key"));
        }
        return problems;
    }

    /// <summary>The longest options section that holds <paramref name="key"/>, else its first segment.</summary>
    private static string OwnerOf(string key) =>
        OptionsBySection.Keys.Where(section => key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(section => section.Length)
            ?? key.Split(':')[0];

    /// <summary>The value a variable takes in the server: the deployment's, else appsettings.json's.</summary>
    public static string? Effective(IReadOnlyDictionary<string, string> environment, string key) =>
        environment.TryGetValue(Prefix + key.Replace(":", "__", StringComparison.Ordinal), out var value)
            ? value
            : key.Split(':').Aggregate((JsonNode?)AppSettings, (node, part) => node?[part])?.ToString();

    private static IEnumerable<string> BindingProblems(IConfigurationSection section, Type type)
    {
        var options = Activator.CreateInstance(type)!;
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            return [$"{section.Path}: {e.Message}"];
        }
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => $"{section.Path}: {r.ErrorMessage}");
    }

    private static bool InAppSettings(string key) =>
        key.Split(':').Aggregate((JsonNode?)AppSettings, (node, part) =>
            node is JsonObject map ? map.FirstOrDefault(p => string.Equals(p.Key, part, StringComparison.OrdinalIgnoreCase)).Value : null) is not null;

    // The options classes live in the server's own assemblies; load them all, since one may not be loaded yet.
    private static Dictionary<string, Type> FindOptionsTypes() => Directory
        .EnumerateFiles(AppContext.BaseDirectory, "*.dll")
        .Where(f => Path.GetFileName(f).StartsWith("HiPO.", StringComparison.Ordinal) || Path.GetFileName(f) == "hipo-server.dll")
        .Select(f => Assembly.LoadFrom(f))
        .SelectMany(a => a.GetTypes())
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(t => t.Section is { IsLiteral: true } && t.Section.FieldType == typeof(string))
        .ToDictionary(t => (string)t.Section!.GetRawConstantValue()!, t => t.Type, StringComparer.OrdinalIgnoreCase);
}
