using HiPO.Inference.Scheduling;

namespace HiPO.Server.Security;

/// <summary>
/// Charges one request's tokens to its caller's tokens-per-minute bucket exactly once, however the request ends: the handler
/// passes every update through <see cref="Observe"/>, to the end of the stream even when the client left early (the scheduler
/// still reports what it generated), and calls <see cref="Settle"/> in a <c>finally</c>.
/// </summary>
public sealed class TokenCharge(TokenRateLimiter limiter, HttpContext context)
{
    private GenerationUsage? _usage;

    public void Observe(GenerationUpdate update)
    {
        if (update is GenerationCompleted completed)
            _usage = completed.Usage;
    }

    /// <summary>Charges what the request used.</summary>
    public void Settle()
    {
        // Every admitted request ends with a usage report, failed ones too; one refused from the queue used nothing.
        limiter.Charge(context, _usage is { } usage ? usage.PromptTokens + usage.CompletionTokens : 0);
    }
}
