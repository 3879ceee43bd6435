using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace HiPO.Server.Tests.Deploy;

/// <summary>
/// Reads YAML files as JSON trees (every scalar a string), merge keys (<c>&lt;&lt;: *anchor</c>) resolved as
/// Compose resolves them, so tests can walk manifests with <see cref="JsonNode"/> indexers.
/// </summary>
internal static class YamlDocuments
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static IReadOnlyList<JsonNode> Load(string path)
    {
        using var reader = new StreamReader(path);
        var parser = new MergingParser(new Parser(reader));
        parser.Consume<StreamStart>();
        var documents = new List<JsonNode>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (ToJson(Deserializer.Deserialize<object?>(parser)) is { } document)
                documents.Add(document);
        }
        return documents;
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(Convert.ToString(p.Key, System.Globalization.CultureInfo.InvariantCulture)!, ToJson(p.Value)))),
        IList<object?> list => new JsonArray([.. list.Select(ToJson)]),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };
}
