using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// <c>POST /v1/completions</c> body: OpenAI's legacy completions. The prompt is raw text the model continues, with no chat
/// template and no HiPO parsing; <c>prompt</c> and <c>stop</c> are polymorphic and validated by the mapper.
/// </summary>
public sealed class CompletionRequest : ISamplingRequest
{
    public string? Model { get; set; }
    /// <summary>A string, an array holding one string, or an array of token ids.</summary>
    public JsonElement? Prompt { get; set; }
    public bool? Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
    /// <summary>Most tokens to generate; OpenAI's default for this endpoint is 16.</summary>
    public int? MaxTokens { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public long? Seed { get; set; }
    public JsonElement? Stop { get; set; }
    public int? N { get; set; }
    public int? BestOf { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    public double? RepetitionPenalty { get; set; }
    public Dictionary<string, double>? LogitBias { get; set; }
    /// <summary>The legacy form: how many alternatives to report per token (0 to 5), or null for no log-probabilities.</summary>
    public int? Logprobs { get; set; }
    /// <summary>True puts the prompt before the completion in <c>text</c>.</summary>
    public bool? Echo { get; set; }
    /// <summary>Text after the insertion point (fill-in-the-middle); HiPO models have no FIM format, so only null or empty.</summary>
    public string? Suffix { get; set; }
    public string? User { get; set; }
}
