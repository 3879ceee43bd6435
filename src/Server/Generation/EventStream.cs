using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace HiPO.Server.Generation;

/// <summary>
/// Writes a reply as server-sent events with the runtime's <see cref="SseFormatter"/> (<c>data: {json}\n\n</c>, an <c>event:</c>
/// line only where one is named). Not <c>TypedResults.ServerSentEvents</c>: it serializes with the app-wide JSON options rather than
/// our contracts, and sets other cache headers (<c>no-cache,no-store</c>, <c>Pragma</c>) than this server has always sent.
/// </summary>
public static class EventStream
{
    public static Task WriteAsync(HttpResponse http, IAsyncEnumerable<SseItem<SseData>> events, CancellationToken cancellation)
    {
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
        // Kestrel sends each write of the response body at once, so every event leaves when it is written.
        return SseFormatter.WriteAsync(events, http.Body, Format, cancellation);
    }

    private static void Format(SseItem<SseData> item, IBufferWriter<byte> buffer)
    {
        if (item.Data.Type is not { } type)
        {
            buffer.Write("[DONE]"u8);
            return;
        }
        // The writer, not the serializer options, decides the escaping: take it from the contract so the bytes stay the contract's.
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = type.Options.Encoder });
        JsonSerializer.Serialize(writer, item.Data.Value, type);
    }
}
