using HiPO.Inference.Scheduling;

namespace HiPO.Bench.Reporting;

/// <summary>
/// Everything one run measured; written as JSON next to its markdown table. Every number is a measurement of this run.
/// <see cref="Model"/> is the model of (a) to (c), null when they did not run; a phase that did not run has no results.
/// </summary>
public sealed record BenchmarkReport(
    string Mode,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    MachineInfo Machine,
    ModelInfo? Model,
    BenchmarkSettings Settings,
    IReadOnlyList<EngineResult> Engine,
    IReadOnlyList<ServerResult> Server,
    IReadOnlyList<MultiTurnResult> MultiTurn,
    IReadOnlyList<OverheadResult> Overhead,
    ProxyReport? Proxy,
    SharedPrefixResult? SharedPrefix,
    IReadOnlyList<TargetResult> Targets,
    AdaptiveThinkingResult? AdaptiveThinking = null);

/// <summary>
/// (f) <see cref="Requests"/> requests sharing a long system prompt: prompt tokens in all, tokens prefilled when they
/// arrive together (<see cref="SharedPlusTails"/> is one shared prompt plus every request's own part), and TTFTs,
/// against the same shape of prompts one at a time.
/// </summary>
public sealed record SharedPrefixResult(
    int Requests,
    int PromptTokens,
    int PrefilledTogether,
    int SharedPlusTails,
    LatencySummary TtftTogether,
    int PrefilledAlone,
    LatencySummary TtftAlone);

/// <summary>The machine; <see cref="LoadAtStart"/> and <see cref="LoadAtEnd"/> are its load averages (1, 5, 15 minutes) around the run.</summary>
public sealed record MachineInfo(int LogicalCores, string Cpu, string Os, string Runtime, string? NativeLibrary, string? LoadAtStart, string? LoadAtEnd);

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
/// (b) The server at <see cref="Concurrency"/> simultaneous streaming requests of one <see cref="Request"/> kind
/// (<see cref="RequestFields"/>: the sampling fields it sent). <see cref="DecodeTokensPerSecond"/>
/// is the steady state, like <see cref="EngineResult.DecodeTokensPerSecond"/>: the tokens (text chunks) that arrived
/// while every stream of a wave was generating, over that span.
/// <see cref="OutputTokensPerSecond"/> is vLLM's: all completion tokens over the waves' whole time, prefill included.
/// <see cref="PrefixCacheCells"/>: KV cells the server's prefix cache held when a wave started (most over the waves).
/// <see cref="RatioToEngine"/> always compares with the engine's greedy rate at the same B.
/// </summary>
public sealed record ServerResult(
    string Request,
    string RequestFields,
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
    double? RatioToEngine,
    LoopHostTime HostTime);

/// <summary>
/// The decode loop's own time during a concurrency's waves (from <c>BatchScheduler.RecentSteps</c>), over the steps that
/// sampled at least one sequence: host time is the loop thread's time per step outside the native decode call (batch
/// planning, sampling, reply parsing, publishing); per sequence-token divides it by the sequences the step sampled.
/// The means, against the requests' TPOT, show how much of a token's time the loop spends outside its steps.
/// </summary>
public sealed record LoopHostTime(
    int Steps,
    double SequencesPerStep,
    double StepP50Us,
    double StepP99Us,
    double PerSequenceTokenP50Us,
    double PerSequenceTokenP99Us,
    double DecodeP50Us,
    double HostMeanUs,
    double DecodeMeanUs)
{
    public static LoopHostTime Of(IEnumerable<StepTiming> steps)
    {
        var sampling = steps.Where(s => s.SampledSequences > 0).ToList();
        if (sampling.Count == 0)
            return new LoopHostTime(0, 0, 0, 0, 0, 0, 0, 0, 0);
        double[] host = [.. sampling.Select(s => s.HostMicroseconds).Order()];
        double[] perToken = [.. sampling.Select(s => s.HostMicroseconds / s.SampledSequences).Order()];
        double[] decode = [.. sampling.Select(s => s.DecodeMicroseconds).Order()];
        return new LoopHostTime(
            sampling.Count,
            sampling.Average(s => s.SampledSequences),
            LatencySummary.Percentile(host, 0.50),
            LatencySummary.Percentile(host, 0.99),
            LatencySummary.Percentile(perToken, 0.50),
            LatencySummary.Percentile(perToken, 0.99),
            LatencySummary.Percentile(decode, 0.50),
            host.Average(),
            decode.Average());
    }
}

/// <summary>
/// (e) The GPU proxy: a model with HiPO's real vocabulary and tiny layers, whose decode step costs about what a GPU's
/// does, so the server's per-token work shows as it would on a GPU. <see cref="SamplingDefaults"/>: what the server
/// fills in for fields a request leaves out.
/// </summary>
public sealed record ProxyReport(
    ModelInfo Model,
    string SamplingDefaults,
    int ContextSize,
    int PromptTokens,
    int TokensPerRequest,
    IReadOnlyList<EngineResult> Engine,
    IReadOnlyList<ServerResult> Server);

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

/// <summary>One of the issues' targets: <see cref="Measured"/> against <see cref="Threshold"/>, a ratio or (<see cref="Unit"/> "µs") microseconds.</summary>
public sealed record TargetResult(string Name, string Goal, double Measured, double Threshold, bool Met, string Unit = "ratio");
