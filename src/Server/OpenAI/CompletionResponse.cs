using System.Text.Json.Serialization;

namespace HiPO.Server.OpenAI;

/// <summary>A legacy text completion, whole or (with the same shape, text in pieces) one server-sent event of a stream.</summary>
public sealed record TextCompletion(string Id, long Created, string Model, IReadOnlyList<TextChoice> Choices)
    : CompletionEnvelope<TextChoice>(Id, Created, Model, Choices)
{
    protected override string Kind => "text_completion";
}

public sealed record TextChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TextLogprobs? Logprobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

/// <summary>
/// The legacy log-probabilities: parallel lists per generated token. <c>top_logprobs</c> maps the most likely tokens
/// (and the sampled one) to their log-probabilities; <c>text_offset</c> is where each token's text starts in <c>text</c>, in characters.
/// </summary>
public sealed record TextLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<Dictionary<string, float>> TopLogprobs,
    IReadOnlyList<int> TextOffset);
