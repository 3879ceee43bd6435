using System.Globalization;
using System.Text;

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
    double TokensRatio)
{
    public string Markdown()
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### (g) Load-adaptive thinking: a burst of {Requests} auto-mode requests, {MaxParallel} decoded at once\n\n");
        md.Append(CultureInfo.InvariantCulture, $"One request every {ArrivalIntervalMs:0} ms on a scripted model whose auto-mode reply thinks for {FullReplyTokens} tokens; policy `{PolicySettings}`.\n\n");
        md.Append("| policy | e2e p50 / p99 ms | changed | capped | think-off | tokens generated | burst s |\n");
        md.Append("|---|--:|--:|--:|--:|--:|--:|\n");
        foreach (var (name, run) in new[] { ("off", Off), ("on", On) })
            md.Append(CultureInfo.InvariantCulture,
                $"| {name} | {run.EndToEnd.P50Ms:0} / {run.EndToEnd.P99Ms:0} | {run.ChangedShare * 100:0}% | {run.Capped} | {run.ThinkOff} | {run.CompletionTokens} | {run.WallSeconds:0.0} |\n");
        md.Append(CultureInfo.InvariantCulture, $"\nOn / off: p50 {P50Ratio * 100:0}%, p99 {P99Ratio * 100:0}%, tokens generated {TokensRatio * 100:0}%.\n\n");
        return md.ToString();
    }
}

/// <summary>One burst: end-to-end latency of every request, the replies the policy changed, and the tokens generated.</summary>
public sealed record AdaptiveThinkingRun(LatencySummary EndToEnd, int Capped, int ThinkOff, double ChangedShare, int CompletionTokens, double WallSeconds);
