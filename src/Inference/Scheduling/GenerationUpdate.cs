using HiPO.ModeParsing;

namespace HiPO.Inference.Scheduling;

/// <summary>Why a choice ended.</summary>
public enum FinishReason { Stop, Length, Cancelled, Error }

/// <summary>Something that happened to a running request, in the order it happened.</summary>
public abstract record GenerationUpdate;

/// <summary>Reply text of one choice, already split by the reply parser into judge, decision, reasoning or answer.</summary>
public sealed record ReplyUpdate(int Choice, ModeEvent Event, IReadOnlyList<TokenLogprob>? Logprobs = null) : GenerationUpdate;

/// <summary>One choice ended.</summary>
public sealed record ChoiceFinished(int Choice, FinishReason Reason, ChoiceSummary Summary, string? Error = null) : GenerationUpdate;

/// <summary>All choices ended; the last update of a request.</summary>
public sealed record GenerationCompleted(GenerationUsage Usage) : GenerationUpdate;

/// <summary>A sampled token with its log-probability and the most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, byte[] Bytes, float Logprob, IReadOnlyList<TokenAlternative> Top);

public sealed record TokenAlternative(string Token, byte[] Bytes, float Logprob);

/// <summary>What the reply parser concluded about one choice.</summary>
public sealed record ChoiceSummary(ThinkMode? Mode, bool ReasoningTruncated, int CompletionTokens, int ReasoningTokens, bool JudgeWasAnswer);

/// <summary>Token counts and timings of a whole request.</summary>
public sealed record GenerationUsage(
    int PromptTokens,
    int CachedTokens,
    int CompletionTokens,
    int ReasoningTokens,
    TimeSpan QueueWait,
    TimeSpan PromptTime,
    TimeSpan GenerationTime);
