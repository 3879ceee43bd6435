namespace HiPO.Server.Tests.Support;

/// <summary>One choice of a chat completion, read the same way from a whole response or from its SSE stream.</summary>
public sealed record ChatResult(
    string? Content,
    string? Reasoning,
    string? ThinkMode,
    string? ThinkModeSource,
    string? ThinkModeReason,
    string? FinishReason,
    bool ReasoningTruncated,
    JsonObject? Usage,
    JsonObject Raw)
{
    public static async Task<ChatResult> RequestAsync(RunningServer server, JsonObject body, bool stream)
    {
        body["stream"] = stream;
        if (stream)
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        if (!stream)
        {
            var response = await server.PostChatAsync(body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await Sse.JsonAsync(response);
            var choice = json["choices"]![0]!;
            var message = choice["message"]!.AsObject();
            return new ChatResult(
                (string?)message["content"], (string?)(message["reasoning_content"] ?? message["reasoning"]), (string?)message["think_mode"],
                (string?)message["think_mode_source"], (string?)message["think_mode_reason"], (string?)choice["finish_reason"],
                (bool?)message["reasoning_truncated"] == true, json["usage"]?.AsObject(), message);
        }

        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, body));
        var deltas = chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!).ToList();
        string? Text(string field) => deltas.Any(d => d["delta"]?[field] is not null) ? Sse.Field(chunks, field) : null;
        var reasoning = Text("reasoning_content") ?? Text("reasoning");
        return new ChatResult(
            Text("content") ?? "", reasoning, Text("think_mode"), Text("think_mode_source"), Text("think_mode_reason"),
            deltas.Select(d => (string?)d["finish_reason"]).LastOrDefault(r => r is not null),
            deltas.Any(d => (bool?)d["delta"]?["reasoning_truncated"] == true),
            chunks[^1]["usage"]?.AsObject(),
            new JsonObject { ["chunks"] = new JsonArray([.. chunks.Select(c => (JsonNode)c.DeepClone())]) });
    }
}
