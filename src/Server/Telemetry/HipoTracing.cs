using System.Diagnostics;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.Telemetry;

/// <summary>
/// Our spans inside each request's trace: the time it waited for a slot, prefilled its prompt and decoded its reply,
/// as the scheduler measured them (the loop thread does not carry the request's trace context, so they are recorded afterwards).
/// </summary>
public static class HipoTracing
{
    public const string SourceName = "HiPO.Server";

    private static readonly ActivitySource Source = new(SourceName);

    public static void RecordPhases(GenerationUsage usage, DateTimeOffset end)
    {
        var decodeStart = end - usage.GenerationTime;
        var prefillStart = decodeStart - usage.PromptTime;
        var queueStart = prefillStart - usage.QueueWait;
        Span("hipo.queue", queueStart, prefillStart, null);
        Span("hipo.prefill", prefillStart, decodeStart, a => a
            .SetTag("hipo.prompt_tokens", usage.PromptTokens)
            .SetTag("hipo.cached_tokens", usage.CachedTokens));
        Span("hipo.decode", decodeStart, end, a => a
            .SetTag("hipo.completion_tokens", usage.CompletionTokens)
            .SetTag("hipo.reasoning_tokens", usage.ReasoningTokens));
    }

    private static void Span(string name, DateTimeOffset start, DateTimeOffset end, Action<Activity>? tag)
    {
        using var activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: start);
        if (activity is null)
            return;
        tag?.Invoke(activity);
        activity.SetEndTime(end.UtcDateTime);
    }
}
