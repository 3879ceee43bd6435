using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace HiPO.Server.Generation;

/// <summary>
/// Writes a reply as server-sent events with the runtime's <see cref="SseFormatter"/> (<c>data: {json}\n\n</c>, an <c>event:</c>
/// line only where one is named). Not <c>TypedResults.ServerSentEvents</c>: it serializes with the app-wide JSON options rather than
/// our contracts, and sets other cache headers (<c>no-cache,no-store</c>, <c>Pragma</c>) than this server has always sent.
/// </summary>
public static class EventStream
{
    public static async Task WriteAsync(HttpResponse http, IAsyncEnumerable<SseItem<SseData>> events, CancellationToken cancellation)
    {
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
        // Kestrel sends each write of the response body at once; a buffering layer in between (response compression, say)
        // would hold events back, so each event must leave when it is written, as TypedResults.ServerSentEvents also asks.
        http.HttpContext.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        using var formatter = new EventFormatter();
        await SseFormatter.WriteAsync(events, http.Body, formatter.Format, cancellation);
    }

    /// <summary>Writes each event's JSON with one <see cref="Utf8JsonWriter"/> for the whole stream.</summary>
    private sealed class EventFormatter : IDisposable
    {
        private Utf8JsonWriter? _writer;

        public void Format(SseItem<SseData> item, IBufferWriter<byte> buffer)
        {
            if (item.Data.Type is not { } type)
            {
                buffer.Write("[DONE]"u8);
                return;
            }
            var writer = Writer(buffer, type.Options.Encoder);
            JsonSerializer.Serialize(writer, item.Data.Value, type);
        }

        /// <summary>The writer, reset onto this event's buffer.</summary>
        /// <remarks>
        /// The writer, not the serializer options, decides the escaping: it takes the contract's encoder, so the bytes stay the
        /// contract's; a contract with another encoder (an error event's) gets a writer of its own.
        /// </remarks>
        private Utf8JsonWriter Writer(IBufferWriter<byte> buffer, JavaScriptEncoder? encoder)
        {
            if (_writer is not null && _writer.Options.Encoder == encoder)
            {
                _writer.Reset(buffer);
                return _writer;
            }
            _writer?.Dispose();
            return _writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder });
        }

        public void Dispose() => _writer?.Dispose();
    }
}
