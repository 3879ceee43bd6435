using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// <c>POST /v1/responses</c> body: OpenAI's Responses API fields plus HiPO's think-mode controls. Polymorphic fields
/// (<c>input</c>, <c>tools</c>, <c>text</c>, ...) stay <see cref="JsonElement"/> and are validated by the mapper.
/// </summary>
public sealed record ResponseCreateRequest : SamplingRequest
{
    /// <summary>A string (one user message) or a list of input items.</summary>
    public JsonElement? Input { get; set; }
    /// <summary>A system message placed before the input; not carried over by <c>previous_response_id</c>, as in OpenAI's API.</summary>
    public string? Instructions { get; set; }
    public string? PreviousResponseId { get; set; }
    public bool? Store { get; set; }
    public JsonElement? StreamOptions { get; set; }
    public int? MaxOutputTokens { get; set; }
    /// <summary><c>{"effort": ..., "summary": ...}</c>; the effort forces the think mode as chat's <c>reasoning_effort</c> does.</summary>
    public JsonElement? Reasoning { get; set; }
    /// <summary><c>{"format": {"type": "text" | "json_object" | "json_schema", ...}}</c>.</summary>
    public JsonElement? Text { get; set; }
    public JsonElement? Tools { get; set; }
    public JsonElement? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public JsonElement? Include { get; set; }
    public string? Truncation { get; set; }
    public bool? Background { get; set; }
    public int? MaxToolCalls { get; set; }
    public int? TopLogprobs { get; set; }
    public JsonElement? Conversation { get; set; }
    public JsonElement? Prompt { get; set; }
    public string? ServiceTier { get; set; }
    public string? PromptCacheKey { get; set; }
    public string? SafetyIdentifier { get; set; }

    /// <summary>HiPO: <c>auto</c> (the model decides), <c>on</c> or <c>off</c>.</summary>
    public string? ThinkMode { get; set; }
    /// <summary>Most tokens of reasoning before the server closes it and the model answers.</summary>
    public int? MaxReasoningTokens { get; set; }
    /// <summary>False leaves the reasoning item out of the output (the reasoning is still generated and counted).</summary>
    public bool? IncludeReasoning { get; set; }
    /// <summary>As in chat completions: <c>none</c> opts out of the server's load policy.</summary>
    public string? ThinkModePolicy { get; set; }
}
