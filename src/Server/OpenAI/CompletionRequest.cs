using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// <c>POST /v1/completions</c> body: OpenAI's legacy completions. The prompt is raw text the model continues, with no chat
/// template and no HiPO parsing; <c>prompt</c> and <c>stop</c> are polymorphic and validated by the mapper.
/// </summary>
/// <remarks><c>max_tokens</c> defaults to 16 here, as in OpenAI's API.</remarks>
public sealed record CompletionRequest : ChoicesRequest
{
    /// <summary>A string, an array holding one string, or an array of token ids.</summary>
    public JsonElement? Prompt { get; set; }
    public int? BestOf { get; set; }
    /// <summary>The legacy form: how many alternatives to report per token (0 to 5), or null for no log-probabilities.</summary>
    public int? Logprobs { get; set; }
    /// <summary>True puts the prompt before the completion in <c>text</c>.</summary>
    public bool? Echo { get; set; }
    /// <summary>Text after the insertion point (fill-in-the-middle); HiPO models have no FIM format, so only null or empty.</summary>
    public string? Suffix { get; set; }
}
