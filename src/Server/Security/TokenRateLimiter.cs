using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>
/// Tokens per minute for each <see cref="Caller"/>: a post-paid token bucket. The framework's limiters take permits before the
/// work, but a request's token count is known only when its generation ends, so admission here only checks that the
/// caller's bucket is not empty, and <see cref="Charge"/> later takes the actual usage, overdrawing if it must.
/// Chained into ASP.NET Core's rate limiter as the global limiter's first link.
/// </summary>
public sealed class TokenRateLimiter(IOptions<SecurityOptions> options, TimeProvider time) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Marks this limiter's refusals so that the 429 can say <c>tokens</c> rather than <c>requests</c>.</summary>
    public static readonly MetadataName<int> TokensPerMinute = MetadataName.Create<int>("TOKENS_PER_MINUTE");

    private readonly Dictionary<string, TokenBucket> _buckets = [];
    private readonly Lock _gate = new();

    private int Limit => options.Value.RateLimit.TokensPerMinute ?? 0;

    /// <summary>
    /// Takes <paramref name="tokens"/> (prompt plus completion) from the caller's bucket. Call it once per request when
    /// the usage is known; it does nothing when the limit is off or the path is open.
    /// </summary>
    public void Charge(HttpContext context, int tokens)
    {
        if (Limit <= 0 || tokens <= 0 || OpenPaths.Contains(context.Request.Path, options.Value))
            return;
        var caller = Caller.Of(context);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(caller, out var bucket))
            {
                // A full bucket is the same as none, so dropping the full ones bounds the table by the callers still paying off usage.
                foreach (var (full, _) in _buckets.Where(b => b.Value.IsFull(now, Limit, time)))
                    _buckets.Remove(full);
                _buckets[caller] = bucket = new TokenBucket(Limit, now);
            }
            bucket.Take(tokens, now, Limit, time);
        }
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => new()
    {
        CurrentAvailablePermits = (long)Math.Max(0, Balance(resource) ?? Limit),
    };

    /// <summary>Admission: the permit count is ignored, since a request's cost is charged afterwards.</summary>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (Limit <= 0 || OpenPaths.Contains(resource.Request.Path, options.Value) || Balance(resource) is not { } balance || balance > 0)
            return Admitted.Instance;
        // The bucket refills Limit tokens per minute; wait until it is above zero again.
        return new Refused(TimeSpan.FromMinutes(-balance / Limit), Limit);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    private double? Balance(HttpContext context)
    {
        var caller = Caller.Of(context);
        lock (_gate)
            return _buckets.TryGetValue(caller, out var bucket) ? bucket.Balance(time.GetTimestamp(), Limit, time) : null;
    }

    /// <summary>One caller's balance, refilled continuously at the per-minute limit up to one minute's worth; it may go negative.</summary>
    private sealed class TokenBucket(double balance, long updated)
    {
        public double Balance(long now, int limit, TimeProvider time) =>
            Math.Min(limit, balance + time.GetElapsedTime(updated, now).TotalMinutes * limit);

        public bool IsFull(long now, int limit, TimeProvider time) => Balance(now, limit, time) >= limit;

        public void Take(int tokens, long now, int limit, TimeProvider time)
        {
            balance = Balance(now, limit, time) - tokens;
            updated = now;
        }
    }

    private sealed class Admitted : RateLimitLease
    {
        public static readonly Admitted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class Refused(TimeSpan retryAfter, int limit) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name, TokensPerMinute.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter
                : metadataName == TokensPerMinute.Name ? limit
                : null;
            return metadata is not null;
        }
    }
}
