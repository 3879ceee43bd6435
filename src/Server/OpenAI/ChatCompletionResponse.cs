using System.Text.Json.Serialization;

namespace HiPO.Server.OpenAI;

/// <summary>A whole (non-streamed) chat completion.</summary>
public sealed record ChatCompletion(
    string Id,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    Usage Usage,
    Timings? Timings)
{
    public string Object => "chat.completion";
}

public sealed record ChatChoice(int Index, ChatResponseMessage Message, string? FinishReason, ChoiceLogprobs? Logprobs);

/// <summary>
/// The assistant's reply: <c>content</c> is the answer only, the reasoning is in its own field, and the
/// model's think-mode decision is reported as <c>think_mode</c> with the judge text as its reason.
/// </summary>
public sealed record ChatResponseMessage
{
    public string Role => "assistant";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Content { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ReasoningContent { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ThinkMode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ThinkModeReason { get; init; }
    public string? ThinkModeSource { get; init; }
    /// <summary><c>load</c> when the server's load policy capped the reasoning or turned it off (with <c>think_mode_source: server</c>).</summary>
    public string? ThinkModePolicy { get; init; }
    public bool? ReasoningTruncated { get; init; }
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }
}

/// <summary>One server-sent event of a streamed chat completion.</summary>
public sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChunkChoice> Choices)
    : CompletionEnvelope<ChunkChoice>(Id, Created, Model, Choices)
{
    protected override string Kind => "chat.completion.chunk";
}

public sealed record ChunkChoice(int Index, ChatDelta Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason, ChoiceLogprobs? Logprobs = null);

/// <summary>A streamed piece of the reply. Each delta carries one kind of text: judge, decision, reasoning or answer.</summary>
public sealed record ChatDelta
{
    public string? Role { get; init; }
    public string? Content { get; init; }
    public string? ReasoningContent { get; init; }
    public string? ThinkMode { get; init; }
    public string? ThinkModeReason { get; init; }
    public string? ThinkModeSource { get; init; }
    public string? ThinkModePolicy { get; init; }
    public bool? ReasoningTruncated { get; init; }
    public IReadOnlyList<ToolCallDelta>? ToolCalls { get; init; }
}

public sealed record ChoiceLogprobs(IReadOnlyList<TokenLogprobInfo> Content);

public sealed record TokenLogprobInfo(string Token, float Logprob, IReadOnlyList<byte> Bytes, IReadOnlyList<TopLogprobInfo> TopLogprobs);

public sealed record TopLogprobInfo(string Token, float Logprob, IReadOnlyList<byte> Bytes);

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails, CompletionTokensDetails CompletionTokensDetails);

public sealed record PromptTokensDetails(int CachedTokens);

/// <summary><c>reasoning_tokens</c>: tokens written before the answer (judge, decision and reasoning).</summary>
public sealed record CompletionTokensDetails(int ReasoningTokens);

/// <summary>llama-server's per-response timings.</summary>
public sealed record Timings(int CacheN, int PromptN, double PromptMs, double PromptPerSecond, int PredictedN, double PredictedMs, double PredictedPerSecond, double QueueMs);

/// <summary>A function call in a whole response; <c>arguments</c> is a JSON object text, as in OpenAI's API.</summary>
public sealed record ToolCall(string Id, FunctionCall Function)
{
    public string Type => "function";
}

public sealed record FunctionCall(string Name, string Arguments);

/// <summary>A function call in a stream: sent whole, in one delta, once its closing tag arrived.</summary>
public sealed record ToolCallDelta(int Index, string Id, FunctionCall Function)
{
    public string Type => "function";
}
