using HiPO.Inference.Scheduling;

namespace HiPO.Server.Security;

/// <summary>
/// Charges one request's tokens to its caller's tokens-per-minute bucket exactly once, however the request ends: the handler
/// passes every update it reads through <see cref="Observe"/> and calls <see cref="SettleAsync"/> in a <c>finally</c>. When the
/// client left early, the scheduler still ends the request at its next step and reports what it generated, so the tokens
/// spent up to the disconnect are charged too and disconnecting cannot dodge the limit.
/// </summary>
public sealed class TokenCharge(TokenRateLimiter limiter, HttpContext context, GenerationStream stream)
{
    private GenerationUsage? _usage;
    private bool _settled;

    public void Observe(GenerationUpdate update)
    {
        if (update is GenerationCompleted completed)
            _usage = completed.Usage;
    }

    /// <summary>Reads the updates the handler left unread (the stream always ends) and charges what the request used.</summary>
    public async Task SettleAsync()
    {
        if (_settled)
            return;
        _settled = true;
        if (_usage is null)
            await foreach (var update in stream.Updates.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                Observe(update);
        // Every admitted request ends with a usage report, failed ones too; one refused from the queue used nothing.
        limiter.Charge(context, _usage is { } usage ? usage.PromptTokens + usage.CompletionTokens : 0);
    }
}
