using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;

namespace HiPO.Inference.Scheduling;

/// <summary>How hard the server is pressed, in the order of the actions the adaptive policy takes.</summary>
public enum PressureLevel { Normal, CapReasoning, ThinkOff }

/// <summary>
/// What the adaptive policy makes of one request: the mode to render and the reasoning budget to apply, and the
/// action it took (<see cref="PressureLevel.Normal"/> when it left the request as it was).
/// </summary>
public readonly record struct AdaptiveDecision(ThinkModeRequest Mode, int? MaxReasoningTokens, PressureLevel Action)
{
    public bool Changed => Action != PressureLevel.Normal;
}

/// <summary>
/// Load-adaptive thinking: the decode loop reports its state after every turn (<see cref="Observe"/>), which moves the
/// pressure level with hysteresis; request threads read the level when they render a prompt (<see cref="Decide"/>).
/// Only requests that left the mode to the model and set no budget of their own are changed: under pressure HiPO can
/// trade reasoning for latency, while a client that chose a mode or a budget gets exactly what it chose.
/// </summary>
public sealed class AdaptiveThinking(AdaptiveThinkingOptions options, TimeProvider clock)
{
    private volatile PressureLevel _level;
    private long _enteredAt;

    public PressureLevel Level => _level;

    /// <summary>
    /// Moves the level (the loop thread only). A level is entered as soon as any of its signals reaches its threshold; it is
    /// left only when every signal is below the exit fraction of its thresholds and it has lasted the minimum dwell, so
    /// that load hovering around a threshold does not flap the policy.
    /// </summary>
    public void Observe(SchedulerSnapshot snapshot)
    {
        if (!options.Enabled)
            return;
        var now = clock.GetTimestamp();
        var current = _level;
        var reached = Highest(snapshot, 1.0, PressureLevel.ThinkOff);
        if (reached > current)
        {
            (_level, _enteredAt) = (reached, now);
            return;
        }
        if (clock.GetElapsedTime(_enteredAt, now).TotalSeconds < options.MinDwellSeconds)
            return;
        var held = Highest(snapshot, options.ExitFraction, current);
        if (held < current)
            (_level, _enteredAt) = (held, now);
    }

    /// <summary>
    /// The mode and budget for a request (any thread): under pressure an auto-mode request without its own budget is
    /// capped or turned think-off, unless it opted out and the operator allows that. The server counts the actions on the replies that
    /// carry them, so a request refused after this decision (a full queue) is not counted.
    /// </summary>
    public AdaptiveDecision Decide(ThinkModeRequest mode, int? requestBudget, int? defaultBudget, bool optedOut)
    {
        var unchanged = new AdaptiveDecision(mode, requestBudget ?? defaultBudget, PressureLevel.Normal);
        if (!options.Enabled || mode != ThinkModeRequest.Auto || requestBudget is not null || (optedOut && options.AllowOptOut))
            return unchanged;
        switch (_level)
        {
            case PressureLevel.ThinkOff:
                return new AdaptiveDecision(ThinkModeRequest.Off, defaultBudget, PressureLevel.ThinkOff);
            case PressureLevel.CapReasoning when defaultBudget is null || defaultBudget > options.CapReasoningTokens:
                return new AdaptiveDecision(mode, options.CapReasoningTokens, PressureLevel.CapReasoning);
            default:
                return unchanged;
        }
    }

    /// <summary>The highest level, up to <paramref name="limit"/>, with a signal at or above <paramref name="fraction"/> of its threshold.</summary>
    private PressureLevel Highest(SchedulerSnapshot snapshot, double fraction, PressureLevel limit)
    {
        for (var level = limit; level > PressureLevel.Normal; level--)
        {
            if (Reaches(snapshot, fraction, level))
                return level;
        }
        return PressureLevel.Normal;
    }

    private bool Reaches(SchedulerSnapshot snapshot, double fraction, PressureLevel level)
    {
        var (depth, waitMs, kv) = level == PressureLevel.ThinkOff
            ? (options.ThinkOffQueueDepth, options.ThinkOffQueueWaitMs, options.ThinkOffKvUsage)
            : (options.CapQueueDepth, options.CapQueueWaitMs, options.CapKvUsage);
        var running = snapshot.KvCellsTotal == 0 ? 0 : (double)(snapshot.KvCellsUsed - snapshot.KvCellsCached) / snapshot.KvCellsTotal;
        return (depth is { } d && snapshot.QueuedRequests >= d * fraction)
            || (waitMs is { } w && snapshot.OldestQueueWait.TotalMilliseconds >= w * fraction)
            || (kv is { } k && running >= k * fraction);
    }
}
