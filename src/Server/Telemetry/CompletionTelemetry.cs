using System.Diagnostics;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.Telemetry;

/// <summary>
/// Follows one generation request: time to first text, gaps between streamed pieces, and at the end the
/// metrics, the trace spans and the one completion log line (never the text unless Telemetry:LogContent asks).
/// </summary>
public sealed class CompletionTelemetry(HipoMetrics metrics, ILogger logger, TelemetryOptions options)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _last;
    private TimeSpan? _firstToken;

    public void OnText()
    {
        var now = Stopwatch.GetTimestamp();
        if (_firstToken is null)
        {
            _firstToken = Stopwatch.GetElapsedTime(_started, now);
            metrics.FirstToken(_firstToken.Value);
        }
        else
            metrics.InterToken(Stopwatch.GetElapsedTime(_last, now));
        _last = now;
    }

    /// <param name="prompt">The prompt's text, built only when Telemetry:LogContent logs it.</param>
    /// <param name="reply">The first choice's text, likewise.</param>
    public void Completed(string id, string model, string thinkModeSource, GenerationUsage usage, IReadOnlyList<ChoiceFinished> choices, Func<string> prompt, Func<string> reply,
        PressureLevel adaptive = PressureLevel.Normal)
    {
        var duration = Stopwatch.GetElapsedTime(_started);
        HipoTracing.RecordPhases(usage, DateTimeOffset.UtcNow);
        metrics.Tokens(usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, usage.ReasoningTokens);
        metrics.Completed(duration, usage.QueueWait);
        metrics.AdaptiveAction(adaptive);
        foreach (var choice in choices)
            metrics.Decision(Name(choice.Summary.Mode), thinkModeSource, choice.Summary.ReasoningTruncated);

        var first = choices.Count > 0 ? choices[0] : null;
        logger.LogInformation(
            "Completed {RequestId} model={Model} finish={FinishReason} prompt={PromptTokens} cached={CachedTokens} completion={CompletionTokens} " +
            "reasoning={ReasoningTokens} think_mode={ThinkMode} source={ThinkModeSource} adaptive={AdaptiveAction} queue_ms={QueueMs:0} ttft_ms={TtftMs:0} duration_ms={DurationMs:0}",
            id, model, first?.Reason.ToString().ToLowerInvariant(), usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens,
            usage.ReasoningTokens, Name(first?.Summary.Mode) ?? "undecided", thinkModeSource, HipoMetrics.ActionName(adaptive), usage.QueueWait.TotalMilliseconds,
            _firstToken?.TotalMilliseconds, duration.TotalMilliseconds);
        if (options.LogContent)
            logger.LogInformation("Content of {RequestId}: prompt={Prompt} reply={Reply}", id, prompt(), reply());
    }

    private static string? Name(HiPO.ModeParsing.ThinkMode? mode) => mode?.ToString().ToLowerInvariant();
}
