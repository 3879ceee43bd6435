namespace HiPO.Bench.Reporting;

/// <summary>Everything one run measured; written as JSON next to its markdown table. Every number is a measurement of this run.</summary>
public sealed record BenchmarkReport(
    string Mode,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    MachineInfo Machine,
    ModelInfo Model,
    BenchmarkSettings Settings,
    IReadOnlyList<EngineResult> Engine,
    IReadOnlyList<ServerResult> Server,
    IReadOnlyList<MultiTurnResult> MultiTurn,
    IReadOnlyList<OverheadResult> Overhead,
    IReadOnlyList<TargetResult> Targets);

public sealed record MachineInfo(int LogicalCores, string Cpu, string Os, string Runtime, string? NativeLibrary);

public sealed record ModelInfo(string Path, long Bytes, string Description);

/// <summary>(a) The raw engine at <see cref="Sequences"/> sequences: decode tokens per second after the prefill.</summary>
public sealed record EngineResult(
    int Sequences,
    int Waves,
    int PromptTokens,
    int TokensPerSequence,
    double PrefillSecondsPerWave,
    int DecodeTokens,
    double DecodeSeconds,
    double DecodeTokensPerSecond);

/// <summary>
/// (b) The server at <see cref="Concurrency"/> simultaneous streaming requests. <see cref="DecodeTokensPerSecond"/>
/// is the steady state, like <see cref="EngineResult.DecodeTokensPerSecond"/>: the tokens (text chunks) that arrived
/// while every stream of a wave was generating, over that span.
/// <see cref="OutputTokensPerSecond"/> is vLLM's: all completion tokens over the waves' whole time, prefill included.
/// <see cref="PrefixCacheCells"/>: KV cells the server's prefix cache held when a wave started (most over the waves).
/// </summary>
public sealed record ServerResult(
    int Concurrency,
    int Requests,
    int PromptTokens,
    int CompletionTokens,
    int CachedTokens,
    int PrefixCacheCells,
    LatencySummary Ttft,
    LatencySummary Tpot,
    LatencySummary Itl,
    double OutputTokensPerSecond,
    double DecodeTokensPerSecond,
    double? EngineDecodeTokensPerSecond,
    double? RatioToEngine);

/// <summary>(c) One two-turn conversation: turn 2 resends turn 1 plus its reply and a short question.</summary>
public sealed record MultiTurnResult(
    int Conversation,
    int Turn1PromptTokens,
    int Turn1CachedTokens,
    double Turn1TtftMs,
    int Turn2PromptTokens,
    int Turn2CachedTokens,
    double Turn2TtftMs,
    double Ratio);

/// <summary>(d) What HTTP, the scheduler, reply parsing and SSE add per token where the model itself costs almost nothing.</summary>
public sealed record OverheadResult(
    int Concurrency,
    int TokensPerRequest,
    double EngineTokensPerSecond,
    double ServerTokensPerSecond,
    double Ratio,
    double OverheadMicrosecondsPerToken);

/// <summary>One of the targets: <see cref="Measured"/> against <see cref="Threshold"/>.</summary>
public sealed record TargetResult(string Name, string Goal, double Measured, double Threshold, bool Met);
