using HiPO.Inference.Prompting;
using HiPO.Inference.Sampling;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// Sampling settings of one request. The API layer fills every field, from the request or the model's
/// <see cref="SamplingDefaults"/>; the initial values here are HiPO's recommendation (<see cref="SamplingDefaults.Fallback"/>).
/// </summary>
public sealed record SamplingSettings
{
    /// <summary>0 samples greedily (argmax).</summary>
    public float Temperature { get; init; } = SamplingDefaults.Fallback.Temperature;
    public float TopP { get; init; } = SamplingDefaults.Fallback.TopP;
    /// <summary>0 turns top-k off (the whole vocabulary is a candidate).</summary>
    public int TopK { get; init; } = SamplingDefaults.Fallback.TopK;
    public float MinP { get; init; } = SamplingDefaults.Fallback.MinP;
    public uint? Seed { get; init; }
    public float PresencePenalty { get; init; }
    public float FrequencyPenalty { get; init; }
    public float RepetitionPenalty { get; init; } = SamplingDefaults.Fallback.RepetitionPenalty;
    public IReadOnlyDictionary<int, float> LogitBias { get; init; } = new Dictionary<int, float>();
}

/// <summary>
/// What the engine is asked to generate: a rendered prompt or raw tokens, how to sample and when to stop.
/// The API layer maps OpenAI requests to this; the engine never sees OpenAI types.
/// </summary>
public sealed record GenerationRequest
{
    public required RenderedPrompt Prompt { get; init; }
    public SamplingSettings Sampling { get; init; } = new();
    /// <summary>Most tokens generated per choice (judge, reasoning and answer together); null fills the slot's share of the context.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>Stop strings, applied to the answer only.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>Most tokens inside <c>&lt;think&gt;</c> before the server closes the reasoning; null is unlimited.</summary>
    public int? MaxReasoningTokens { get; init; }
    /// <summary>Choices generated from one prompt (forked in the KV cache).</summary>
    public int Choices { get; init; } = 1;
    /// <summary>Alternatives reported per token with its log-probability; null reports none.</summary>
    public int? TopLogprobs { get; init; }
    /// <summary>A GBNF grammar constraining the answer section only.</summary>
    public string? AnswerGrammar { get; init; }
    /// <summary>Raw completion: the output is not in the HiPO format, so it is all answer.</summary>
    public bool RawCompletion { get; init; }
}
