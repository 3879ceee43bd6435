using HiPO.Server.Tests.Deploy;

namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>One schema of the checked-in corpus (tests/Server.Tests/StructuredOutput/Corpus), as a real generator wrote it.</summary>
public sealed record CorpusSchema(string File, string Name, string Generator, JsonObject Schema)
{
    public override string ToString() => $"{File}: {Name}";
}

/// <summary>The corpus: zod 4's z.toJSONSchema output (tests/js/schema-corpus.mjs writes it) and pydantic-style schemas.</summary>
public static class SchemaCorpus
{
    public static readonly IReadOnlyList<CorpusSchema> All = Load("zod4.json").Concat(Load("pydantic.json")).ToList();

    /// <summary>The corpus as xunit theory data, by index (the schema itself is not serializable for the runner).</summary>
    public static TheoryData<int> Indexes => new(Enumerable.Range(0, All.Count));

    private static IEnumerable<CorpusSchema> Load(string file) =>
        JsonNode.Parse(File.ReadAllText(DeployFiles.PathOf($"tests/Server.Tests/StructuredOutput/Corpus/{file}")))!.AsArray()
            .Select(e => new CorpusSchema(file, (string)e!["name"]!, (string)e["generator"]!, e["schema"]!.AsObject()));
}
