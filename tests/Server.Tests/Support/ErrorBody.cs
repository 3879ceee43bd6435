namespace HiPO.Server.Tests.Support;

/// <summary>OpenAI's error body, <c>{"error":{"message","type","param","code"}}</c>, checked in full.</summary>
public static class ErrorBody
{
    /// <summary>Parses <paramref name="text"/> and returns the error object, failing when a field is missing or of the wrong type.</summary>
    public static JsonObject Parse(string text)
    {
        var error = JsonNode.Parse(text)?["error"] as JsonObject ?? throw new Xunit.Sdk.XunitException($"No error object in: {text}");
        Assert.True(error["message"] is JsonValue message && message.TryGetValue<string>(out var m) && !string.IsNullOrWhiteSpace(m), text);
        Assert.True(error["type"] is JsonValue type && type.TryGetValue<string>(out var t) && !string.IsNullOrWhiteSpace(t), text);
        Assert.True(error.ContainsKey("param") && (error["param"] is null || error["param"] is JsonValue p && p.TryGetValue<string>(out _)), text);
        Assert.True(error.ContainsKey("code") && (error["code"] is null || error["code"] is JsonValue c && c.TryGetValue<string>(out _)), text);
        return error;
    }
}
