using System.Text.Json;
using System.Text.Json.Serialization;

namespace HiPO.Server.OpenAI;

/// <summary>
/// A response of the Responses API (<c>"object": "response"</c>), with HiPO's think-mode decision beside OpenAI's fields:
/// <c>think_mode</c>, <c>think_mode_reason</c> and <c>think_mode_source</c> mean what they mean in a chat message.
/// </summary>
public sealed record ResponseObject
{
    public required string Id { get; init; }
    public string Object => "response";
    public required long CreatedAt { get; init; }
    /// <summary><c>in_progress</c>, <c>completed</c>, <c>incomplete</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ResponseError? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public IncompleteDetails? IncompleteDetails { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Instructions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? MaxOutputTokens { get; init; }
    public required string Model { get; init; }
    public required IReadOnlyList<ResponseItem> Output { get; init; }
    public bool ParallelToolCalls { get; init; } = true;
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? PreviousResponseId { get; init; }
    public required ReasoningConfiguration Reasoning { get; init; }
    public bool Store { get; init; } = true;
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public double? Temperature { get; init; }
    public required JsonElement Text { get; init; }
    public required JsonElement ToolChoice { get; init; }
    public required JsonElement Tools { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public double? TopP { get; init; }
    public string Truncation => "disabled";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ResponseUsage? Usage { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? User { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>HiPO: <c>"on"</c> or <c>"off"</c>; null until (or unless) the model decided.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ThinkMode { get; init; }
    /// <summary>HiPO: the judge text (why the model chose); null when a request forced the mode.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ThinkModeReason { get; init; }
    /// <summary>HiPO: <c>model</c>, <c>request</c> or <c>server</c>: who decided the mode.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ThinkModeSource { get; init; }
    /// <summary>HiPO: <c>load</c> when the server's load policy capped the reasoning or turned it off.</summary>
    public string? ThinkModePolicy { get; init; }
    /// <summary>HiPO: true when <c>max_reasoning_tokens</c> closed the reasoning.</summary>
    public bool? ReasoningTruncated { get; init; }
}

public sealed record ReasoningConfiguration(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Effort,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Summary);

public sealed record ResponseError(string Code, string Message);

/// <summary>Why a response is incomplete: <c>max_output_tokens</c>.</summary>
public sealed record IncompleteDetails(string Reason);

public sealed record ResponseUsage(int InputTokens, InputTokensDetails InputTokensDetails, int OutputTokens, OutputTokensDetails OutputTokensDetails, int TotalTokens);

public sealed record InputTokensDetails(int CachedTokens);

/// <summary><c>reasoning_tokens</c>: tokens written before the answer (judge, decision and reasoning).</summary>
public sealed record OutputTokensDetails(int ReasoningTokens);

/// <summary>
/// One output item: <c>reasoning</c> (HiPO's reasoning as <c>reasoning_text</c> content; also as its summary when the request
/// asks for one), <c>message</c> (the answer as <c>output_text</c>) or <c>function_call</c>. Fields of other types are null and omitted.
/// </summary>
public sealed record ResponseItem
{
    public required string Type { get; init; }
    public required string Id { get; init; }
    public required string Status { get; init; }
    public string? Role { get; init; }
    public IReadOnlyList<ResponseContentPart>? Content { get; init; }
    public IReadOnlyList<ResponseContentPart>? Summary { get; init; }
    public string? CallId { get; init; }
    public string? Name { get; init; }
    public string? Arguments { get; init; }
}

/// <summary><c>output_text</c> (with <c>annotations</c> and <c>logprobs</c>), <c>reasoning_text</c> or <c>summary_text</c>.</summary>
public sealed record ResponseContentPart
{
    public required string Type { get; init; }
    public required string Text { get; init; }
    public IReadOnlyList<JsonElement>? Annotations { get; init; }
    public IReadOnlyList<JsonElement>? Logprobs { get; init; }

    public static ResponseContentPart OutputText(string text) => new() { Type = "output_text", Text = text, Annotations = [], Logprobs = [] };
}

/// <summary><c>DELETE /v1/responses/{id}</c>'s answer.</summary>
public sealed record ResponseDeleted(string Id)
{
    public string Object => "response.deleted";
    public bool Deleted => true;
}

/// <summary>
/// One server-sent event of a streamed response (<c>response.created</c>, <c>response.output_text.delta</c>, ...): the fields
/// each event type has are set, the rest are null and omitted.
/// </summary>
public sealed record ResponseStreamEvent
{
    public required string Type { get; init; }
    public int SequenceNumber { get; init; }
    public ResponseObject? Response { get; init; }
    public int? OutputIndex { get; init; }
    public string? ItemId { get; init; }
    public int? ContentIndex { get; init; }
    public int? SummaryIndex { get; init; }
    public ResponseItem? Item { get; init; }
    public ResponseContentPart? Part { get; init; }
    public string? Delta { get; init; }
    public string? Text { get; init; }
    public string? Name { get; init; }
    public string? Arguments { get; init; }
    public IReadOnlyList<JsonElement>? Logprobs { get; init; }
    public string? Code { get; init; }
    public string? Message { get; init; }
    public string? Param { get; init; }
}
