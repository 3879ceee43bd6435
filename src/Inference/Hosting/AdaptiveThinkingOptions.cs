using System.ComponentModel.DataAnnotations;

namespace HiPO.Inference.Hosting;

/// <summary>
/// Load-adaptive thinking (configuration section <c>Reasoning:Adaptive</c>): under pressure, requests that left the think
/// mode to the model get a reasoning cap (level 1) or are answered think-off (level 2). A level is entered when any of its
/// signals reaches its threshold, and left only when every signal is below <see cref="ExitFraction"/> of it and the level
/// has lasted <see cref="MinDwellSeconds"/>. A threshold left empty does not count.
/// </summary>
public sealed class AdaptiveThinkingOptions : IValidatableObject
{
    public const string Section = "Reasoning:Adaptive";

    public bool Enabled { get; set; }

    /// <summary>Whether a request may opt out with <c>think_mode_policy: "none"</c>; when false the field is accepted and ignored.</summary>
    public bool AllowOptOut { get; set; } = true;

    /// <summary>Reasoning budget (tokens) that level 1 gives a request.</summary>
    [Range(1, 1 << 20)]
    public int CapReasoningTokens { get; set; } = 128;

    /// <summary>Level 1 at this many queued requests.</summary>
    [Range(1, 1_000_000)]
    public int? CapQueueDepth { get; set; } = 8;

    /// <summary>Level 1 when the oldest queued request has waited this long (milliseconds).</summary>
    [Range(1, 3_600_000)]
    public int? CapQueueWaitMs { get; set; } = 2000;

    /// <summary>Level 1 at this share of KV cache cells held by running requests (cached prefixes, which can go, not counted).</summary>
    [Range(0.01, 1.0)]
    public double? CapKvUsage { get; set; } = 0.9;

    /// <summary>Level 2 (think-off) at this many queued requests.</summary>
    [Range(1, 1_000_000)]
    public int? ThinkOffQueueDepth { get; set; } = 32;

    /// <summary>Level 2 when the oldest queued request has waited this long (milliseconds).</summary>
    [Range(1, 3_600_000)]
    public int? ThinkOffQueueWaitMs { get; set; } = 10_000;

    /// <summary>Level 2 at this share of KV cache cells held by running requests.</summary>
    [Range(0.01, 1.0)]
    public double? ThinkOffKvUsage { get; set; }

    /// <summary>A level is left only when every signal is below this fraction of the level's thresholds (hysteresis); above 0, or no level is ever left.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double ExitFraction { get; set; } = 0.5;

    /// <summary>A level is held at least this long after it was entered before the policy steps down.</summary>
    [Range(0.0, 3600.0)]
    public double MinDwellSeconds { get; set; } = 5;

    /// <summary>The policy in one line, for the startup log.</summary>
    public override string ToString() =>
        $"reasoning capped at {CapReasoningTokens} tokens at {Thresholds(CapQueueDepth, CapQueueWaitMs, CapKvUsage)}; " +
        $"think-off at {Thresholds(ThinkOffQueueDepth, ThinkOffQueueWaitMs, ThinkOffKvUsage)}; a level is left below {ExitFraction:0.##} of its " +
        $"thresholds after {MinDwellSeconds:0.##} s; opt-out {(AllowOptOut ? "allowed" : "ignored")}";

    private static string Thresholds(int? depth, int? waitMs, double? kv)
    {
        string[] set =
        [
            .. depth is { } d ? [$"{d} queued"] : Array.Empty<string>(),
            .. waitMs is { } w ? [$"{w} ms queue wait"] : Array.Empty<string>(),
            .. kv is { } k ? [$"{k:P0} KV use"] : Array.Empty<string>(),
        ];
        return set.Length > 0 ? string.Join(" or ", set) : "never";
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && CapQueueDepth is null && CapQueueWaitMs is null && CapKvUsage is null
            && ThinkOffQueueDepth is null && ThinkOffQueueWaitMs is null && ThinkOffKvUsage is null)
            yield return new ValidationResult("Enabled is true but no threshold is set; set at least one of the Cap* or ThinkOff* thresholds.", [nameof(Enabled)]);
    }
}
