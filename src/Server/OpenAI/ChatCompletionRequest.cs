using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// <c>POST /v1/chat/completions</c> body: OpenAI's fields plus HiPO's think-mode controls. Polymorphic
/// fields (<c>stop</c>, <c>content</c>, ...) stay <see cref="JsonElement"/> and are validated by the mapper.
/// </summary>
public sealed record ChatCompletionRequest : ChoicesRequest
{
    public ChatCompletionRequest()
    {
    }

    /// <summary>A chat request with another request's shared fields (the Responses API maps its requests so).</summary>
    public ChatCompletionRequest(SamplingRequest shared) : base(shared)
    {
    }

    public List<ChatMessageInput>? Messages { get; set; }
    public int? MaxCompletionTokens { get; set; }
    public bool? Logprobs { get; set; }
    public int? TopLogprobs { get; set; }
    public JsonElement? ResponseFormat { get; set; }
    public JsonElement? Tools { get; set; }
    public JsonElement? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }

    /// <summary>HiPO: <c>auto</c> (the model decides), <c>on</c> or <c>off</c>.</summary>
    public string? ThinkMode { get; set; }
    /// <summary>OpenAI's form: <c>none</c>/<c>minimal</c> force think-off, <c>low</c>/<c>medium</c>/<c>high</c> force think-on.</summary>
    public string? ReasoningEffort { get; set; }
    /// <summary>vLLM/Qwen3's form: <c>{"enable_thinking": true|false}</c>.</summary>
    public JsonElement? ChatTemplateKwargs { get; set; }
    /// <summary>Ollama's form: <c>true</c>/<c>false</c> (or an effort level).</summary>
    public JsonElement? Think { get; set; }
    /// <summary>Most tokens of reasoning before the server closes it and the model answers.</summary>
    public int? MaxReasoningTokens { get; set; }
    /// <summary>False omits the reasoning text from the response (it is still generated and counted).</summary>
    public bool? IncludeReasoning { get; set; }
    /// <summary><c>auto</c> (default) lets the server's load policy cap or turn off reasoning of an auto-mode request; <c>none</c> opts out.</summary>
    public string? ThinkModePolicy { get; set; }
}

public sealed record StreamOptions
{
    public bool? IncludeUsage { get; set; }
}

/// <summary>One input message. <c>content</c> is a string, an array of text parts, or null (assistant tool calls).</summary>
public sealed class ChatMessageInput
{
    public string? Role { get; set; }
    public JsonElement? Content { get; set; }
    public string? Name { get; set; }
    public string? ReasoningContent { get; set; }
    public string? Reasoning { get; set; }
    public JsonElement? ToolCalls { get; set; }
    public string? ToolCallId { get; set; }
}
