using System.Buffers;
using System.Text.Json;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>Small builders for the <see cref="JsonElement"/> fields of the chat requests that Responses requests become.</summary>
internal static class JsonElements
{
    public static readonly JsonElement EmptyArray = Parse("[]");

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement String(string value) => JsonSerializer.SerializeToElement(value, OpenAiJsonContext.Default.String);

    public static JsonElement Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Chat's <c>tool_calls</c> array: <c>[{"id","type":"function","function":{"name","arguments"}}]</c>.</summary>
    public static JsonElement ToolCalls(IEnumerable<(string Id, string Name, string Arguments)> calls) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var (id, name, arguments) in calls)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", "function");
            w.WritePropertyName("function");
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("arguments", arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });
}
