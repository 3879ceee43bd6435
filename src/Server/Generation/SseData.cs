using System.Net.ServerSentEvents;
using System.Text.Json.Serialization.Metadata;

namespace HiPO.Server.Generation;

/// <summary>The data of one server-sent event: a value and the JSON contract that writes it, or (no contract) OpenAI's bare <c>[DONE]</c>.</summary>
public readonly record struct SseData(object Value, JsonTypeInfo? Type)
{
    /// <summary>The event that ends an OpenAI completion stream.</summary>
    public static SseItem<SseData> Done { get; } = new(new SseData("[DONE]", null));

    /// <param name="name">The <c>event:</c> line, as the Responses API streams them; null writes none, as chat completions have none.</param>
    public static SseItem<SseData> Event<T>(T value, JsonTypeInfo<T> type, string? name = null) where T : notnull => new(new SseData(value, type), name);
}
