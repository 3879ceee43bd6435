using System.Threading.RateLimiting;
using HiPO.Server.OpenAI;
using Microsoft.AspNetCore.RateLimiting;

namespace HiPO.Server.Security;

/// <summary>
/// Configures ASP.NET Core's rate limiter: per <see cref="Caller"/>, the <see cref="TokenRateLimiter"/> first (so a request refused
/// for tokens costs no request), then a token bucket of requests per minute; refusals get 429, Retry-After and OpenAI's
/// <c>rate_limit_exceeded</c> body with type <c>tokens</c> or <c>requests</c>.
/// </summary>
public static class RateLimitPolicy
{
    public static void Apply(RateLimiterOptions limiter, SecurityOptions security, TokenRateLimiter tokens)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(tokens, Requests(security));
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = (rejected, _) =>
            new ValueTask(Refusal(rejected.Lease, security.RateLimit).ToResult(rejected.HttpContext).ExecuteAsync(rejected.HttpContext));
    }

    private static PartitionedRateLimiter<HttpContext> Requests(SecurityOptions security)
    {
        var perMinute = security.RateLimit.RequestsPerMinute ?? 0;
        return PartitionedRateLimiter.Create<HttpContext, string>(context =>
            perMinute > 0 && !OpenPaths.Contains(context.Request.Path, security)
                ? RateLimitPartition.GetTokenBucketLimiter(Caller.Of(context), _ => new TokenBucketRateLimiterOptions
                {
                    // One request per period rather than a minute's worth at once, so that Retry-After is the wait for one request.
                    TokenLimit = perMinute,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
                    QueueLimit = 0,
                    AutoReplenishment = false,
                })
                : RateLimitPartition.GetNoLimiter(""));
    }

    private static ApiException Refusal(RateLimitLease lease, RateLimitOptions limits)
    {
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
        var wait = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var (message, type) = lease.TryGetMetadata(TokenRateLimiter.TokensPerMinute, out var tokenLimit)
            ? ($"Rate limit reached for tokens per minute (TPM): limit {tokenLimit}. Please try again in {wait} s.", "tokens")
            : ($"Rate limit reached for requests per minute (RPM): limit {limits.RequestsPerMinute}. Please try again in {wait} s.", "requests");
        return new ApiException(StatusCodes.Status429TooManyRequests, message, type, null, "rate_limit_exceeded", retryAfter);
    }
}
