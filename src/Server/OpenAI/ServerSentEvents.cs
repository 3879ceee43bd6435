using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HiPO.Server.OpenAI;

/// <summary>Writes OpenAI-style server-sent events (<c>data: {json}\n\n</c>, then <c>data: [DONE]</c>), flushing each one at once.</summary>
public sealed class ServerSentEvents(Stream body)
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Suffix = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task WriteAsync<T>(T value, JsonTypeInfo<T> type, CancellationToken cancellation)
    {
        await body.WriteAsync(Prefix, cancellation);
        await JsonSerializer.SerializeAsync(body, value, type, cancellation);
        await body.WriteAsync(Suffix, cancellation);
        await body.FlushAsync(cancellation);
    }

    /// <summary>A named event (<c>event: name</c> before the data), as the Responses API streams them.</summary>
    public async Task WriteAsync<T>(string name, T value, JsonTypeInfo<T> type, CancellationToken cancellation)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\n"), cancellation);
        await WriteAsync(value, type, cancellation);
    }

    public Task WriteErrorAsync(ErrorResponse error, CancellationToken cancellation) =>
        WriteAsync(error, OpenAiJsonContext.Default.ErrorResponse, cancellation);

    public async Task WriteDoneAsync(CancellationToken cancellation)
    {
        await body.WriteAsync(Done, cancellation);
        await body.FlushAsync(cancellation);
    }
}
