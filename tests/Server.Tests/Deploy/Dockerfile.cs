using System.Text.RegularExpressions;

namespace HiPO.Server.Tests.Deploy;

/// <summary>One instruction: its keyword (upper case) and its arguments, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments);

/// <summary>A build stage: <c>FROM base AS name</c> and the instructions up to the next <c>FROM</c>.</summary>
internal sealed record DockerStage(string Base, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<string> Arguments(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    /// <summary>The variables the stage's <c>ENV</c> instructions set (<c>KEY=value</c> form).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        Arguments("ENV").SelectMany(Dockerfile.KeyValuePairs).ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>A Dockerfile read well enough to check what it declares (stages, variables, ports, health check).</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> global, IReadOnlyList<DockerStage> stages)
    {
        Global = global;
        Stages = stages;
    }

    /// <summary>Instructions before the first <c>FROM</c> (global <c>ARG</c>s).</summary>
    public IReadOnlyList<DockerInstruction> Global { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Stage(string name) => Stages.Single(s => s.Name == name);

    /// <summary>The stage and the stages it is built on, nearest first; <c>${VARIANT}</c> in a base name is <paramref name="variant"/>.</summary>
    public IReadOnlyList<DockerStage> Lineage(DockerStage stage, string? variant = null)
    {
        var lineage = new List<DockerStage> { stage };
        while (Stages.FirstOrDefault(s => s.Name == lineage[^1].Base.Replace("${VARIANT}", variant, StringComparison.Ordinal)) is { } parent)
            lineage.Add(parent);
        return lineage;
    }

    /// <summary>The environment a container of the image built with <c>VARIANT=</c><paramref name="variant"/> starts with, as far as this file sets it.</summary>
    public IReadOnlyDictionary<string, string> ImageEnvironment(string variant)
    {
        var environment = new Dictionary<string, string>();
        foreach (var stage in Lineage(Stages[^1], variant).Reverse())
        {
            foreach (var (key, value) in stage.Environment)
                environment[key] = value;
        }
        return environment;
    }

    public static Dockerfile Read(string path)
    {
        var global = new List<DockerInstruction>();
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (var instruction in Instructions(File.ReadAllLines(path)))
        {
            if (instruction.Keyword == "FROM")
            {
                var from = FromArguments().Match(instruction.Arguments);
                current = [];
                stages.Add(new DockerStage(from.Groups["base"].Value, from.Groups["name"].Success ? from.Groups["name"].Value : null, current));
            }
            else
            {
                (current ?? global).Add(instruction);
            }
        }
        return new Dockerfile(global, stages);
    }

    /// <summary>Splits <c>A=1 B="two words" C=</c> into pairs.</summary>
    public static IEnumerable<KeyValuePair<string, string>> KeyValuePairs(string arguments) =>
        KeyValue().Matches(arguments).Select(m => KeyValuePair.Create(m.Groups["key"].Value, m.Groups["value"].Value.Trim('"')));

    private static IEnumerable<DockerInstruction> Instructions(string[] lines)
    {
        var text = "";
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith('#') || (trimmed.Length == 0 && text.Length == 0))
                continue;
            if (trimmed.EndsWith('\\'))
            {
                text += trimmed[..^1] + " ";
                continue;
            }
            text += trimmed;
            if (text.Length > 0)
            {
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                yield return space < 0
                    ? new DockerInstruction(text.ToUpperInvariant(), "")
                    : new DockerInstruction(text[..space].ToUpperInvariant(), MultipleSpaces().Replace(text[(space + 1)..].Trim(), " "));
            }
            text = "";
        }
    }

    [GeneratedRegex(@"^(?:--\S+\s+)*(?<base>\S+)(?:\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromArguments();

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>"[^"]*"|\S*)""")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"\s+")]
    private static partial Regex MultipleSpaces();
}
