namespace HiPO.Server.Tests.Support;

/// <summary>Reads a streamed chat completion the way a raw SSE client does.</summary>
public static class Sse
{
    public static async Task<HttpResponseMessage> PostStreamAsync(HttpClient http, object body, CancellationToken cancellation = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
    }

    /// <summary>Every <c>data:</c> payload in order, including the final <c>[DONE]</c>.</summary>
    public static async IAsyncEnumerable<string> ReadEventsAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                yield return line["data: ".Length..];
        }
    }

    public static async Task<List<JsonObject>> ReadChunksAsync(HttpResponseMessage response, CancellationToken cancellation = default)
    {
        var chunks = new List<JsonObject>();
        var done = false;
        await foreach (var data in ReadEventsAsync(response, cancellation))
        {
            Assert.False(done, "An event followed [DONE].");
            if (data == "[DONE]")
                done = true;
            else
                chunks.Add(JsonNode.Parse(data)!.AsObject());
        }
        Assert.True(done, "The stream did not end with [DONE].");
        return chunks;
    }

    /// <summary>Concatenates one delta field over all chunks of a choice.</summary>
    public static string Field(IEnumerable<JsonObject> chunks, string field, int choice = 0) =>
        string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray())
            .Where(c => c!["index"]!.GetValue<int>() == choice)
            .Select(c => c!["delta"]?[field]?.GetValue<string>()));

    public static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
