namespace HiPO.Bench.Reporting;

/// <summary>
/// (g) Load-adaptive thinking: the same burst of auto-mode requests (more than the server decodes at once) with the
/// policy off and on. The ratios are on / off: below 1 the policy made the burst faster, at the price of reasoning.
/// </summary>
public sealed record AdaptiveThinkingResult(
    int Requests,
    int MaxParallel,
    double ArrivalIntervalMs,
    int FullReplyTokens,
    string PolicySettings,
    AdaptiveThinkingRun Off,
    AdaptiveThinkingRun On,
    double P50Ratio,
    double P99Ratio,
    double TokensRatio);

/// <summary>One burst: end-to-end latency of every request, the replies the policy changed, and the tokens generated.</summary>
public sealed record AdaptiveThinkingRun(LatencySummary EndToEnd, int Capped, int ThinkOff, double ChangedShare, int CompletionTokens, double WallSeconds);
