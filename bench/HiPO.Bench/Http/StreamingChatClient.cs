using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Http;

/// <summary>
/// Sends streaming OpenAI chat completion requests over plain <see cref="HttpClient"/> and reads the
/// server-sent events line by line, time-stamping each chunk as it arrives (an SDK would hide when each
/// chunk came). Every request forces think mode off, bans <paramref name="bannedTokens"/> with
/// <c>logit_bias</c> -100, asks for the usage chunk, and sends the sampling fields of its <see cref="RequestVariant"/>.
/// </summary>
public sealed class StreamingChatClient(Uri baseAddress, IReadOnlyList<int> bannedTokens) : IDisposable
{
    private static readonly string[] TextFields = ["content", "reasoning_content", "think_mode_reason"];

    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
    {
        BaseAddress = baseAddress,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Streams one completion of <paramref name="maxTokens"/> tokens; <paramref name="onText"/> is called per text chunk.</summary>
    public async Task<StreamedReply> StreamAsync(
        IReadOnlyList<ChatTurn> turns, int maxTokens, RequestVariant variant, Action? onText, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(Body(turns, maxTokens, variant).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        var sent = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}");

        var textChunks = new List<long>();
        var content = new StringBuilder();
        int promptTokens = 0, completionTokens = 0, cachedTokens = 0;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
                continue;
            var arrived = Stopwatch.GetTimestamp();
            var data = line.AsMemory("data: ".Length);
            if (data.Span.SequenceEqual("[DONE]"))
                return new StreamedReply(sent, textChunks, arrived, promptTokens, completionTokens, cachedTokens, content.ToString());

            using var chunk = JsonDocument.Parse(data);
            var root = chunk.RootElement;
            if (root.TryGetProperty("error", out var error))
                throw new HttpRequestException($"The stream failed: {error}");
            foreach (var choice in root.GetProperty("choices").EnumerateArray())
            {
                if (!choice.TryGetProperty("delta", out var delta))
                    continue;
                if (TextFields.Any(f => delta.TryGetProperty(f, out var text) && text.GetString() is { Length: > 0 }))
                {
                    textChunks.Add(arrived);
                    onText?.Invoke();
                }
                if (delta.TryGetProperty("content", out var answer))
                    content.Append(answer.GetString());
            }
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                promptTokens = usage.GetProperty("prompt_tokens").GetInt32();
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
                if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object)
                    cachedTokens = details.GetProperty("cached_tokens").GetInt32();
            }
        }
        throw new HttpRequestException("The stream ended without [DONE].");
    }

    private JsonObject Body(IReadOnlyList<ChatTurn> turns, int maxTokens, RequestVariant variant)
    {
        var messages = new JsonArray();
        foreach (var turn in turns)
            messages.Add(new JsonObject { ["role"] = turn.Role.ToString().ToLowerInvariant(), ["content"] = turn.Content });
        var bias = new JsonObject();
        foreach (var token in bannedTokens)
            bias[token.ToString(System.Globalization.CultureInfo.InvariantCulture)] = -100;
        var body = variant.ToJson();
        body["messages"] = messages;
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        body["max_tokens"] = maxTokens;
        body["think_mode"] = "off";
        body["logit_bias"] = bias;
        return body;
    }

    public void Dispose() => _http.Dispose();
}
