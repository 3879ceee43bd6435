using System.ComponentModel.DataAnnotations;

namespace HiPO.Server.Security;

/// <summary>Per-caller limits (configuration section <c>Security:RateLimit</c>); a caller is an API key, or a client IP address when no key is configured. Null or 0 turns a limit off.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests a caller may start per minute, refilled continuously, with bursts up to the full minute's allowance.</summary>
    [Range(0, 1_000_000)]
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// Prompt plus completion tokens (reasoning included) a caller may use per minute. Usage is charged when a generation ends,
    /// so one request may overdraw the budget; the caller's next requests are refused until it has refilled.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int? TokensPerMinute { get; set; }
}
