using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>
/// Tokens per minute for each <see cref="Caller"/>: a post-paid token bucket. The framework's limiters take permits before the
/// work, but a request's token count is known only when its generation ends, so admission here only checks that the
/// caller's bucket is not empty, and <see cref="Charge"/> later takes the actual usage, overdrawing if it must.
/// Chained into ASP.NET Core's rate limiter ahead of the requests-per-minute limiter.
/// </summary>
public sealed class TokenRateLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Marks this limiter's refusals so that the 429 can say <c>tokens</c> rather than <c>requests</c>.</summary>
    public static readonly MetadataName<int> TokensPerMinute = MetadataName.Create<int>("TOKENS_PER_MINUTE");

    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly Dictionary<string, TokenBucket> _buckets = [];
    private readonly Lock _gate = new();

    public TokenRateLimiter(IOptions<SecurityOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _limit = _options.RateLimit.TokensPerMinute ?? 0;
    }

    /// <summary>
    /// Takes <paramref name="tokens"/> (prompt plus completion) from the caller's bucket. Call it once per request when
    /// the usage is known; it does nothing when the limit is off or the path is open.
    /// </summary>
    public void Charge(HttpContext context, int tokens)
    {
        if (!Applies(context) || tokens <= 0)
            return;
        var caller = Caller.Of(context);
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(caller, out var bucket))
            {
                // A full bucket is the same as none, so dropping the full ones bounds the table by the callers still paying off usage.
                foreach (var full in _buckets.Where(b => b.Value.BalanceAt(now) >= _limit).Select(b => b.Key).ToList())
                    _buckets.Remove(full);
                _buckets[caller] = bucket = new TokenBucket(_limit, _time, now);
            }
            bucket.Take(tokens, now);
        }
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => new()
    {
        CurrentAvailablePermits = (long)Math.Max(0, Balance(resource) ?? _limit),
    };

    /// <summary>Admission: the permit count is ignored, since a request's cost is charged afterwards.</summary>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (!Applies(resource) || Balance(resource) is not { } balance || balance > 0)
            return Admitted.Instance;
        // The bucket refills _limit tokens per minute; the caller waits until it is above zero again.
        return new Refused(TimeSpan.FromMinutes(-balance / _limit), _limit);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    private bool Applies(HttpContext context) => _limit > 0 && !OpenPaths.Contains(context.Request.Path, _options);

    private double? Balance(HttpContext context)
    {
        var caller = Caller.Of(context);
        lock (_gate)
            return _buckets.TryGetValue(caller, out var bucket) ? bucket.BalanceAt(_time.GetTimestamp()) : null;
    }

    /// <summary>One caller's balance, refilled continuously at the per-minute limit up to one minute's worth; it may go negative.</summary>
    private sealed class TokenBucket(int limit, TimeProvider time, long created)
    {
        private double _balance = limit;
        private long _updated = created;

        public double BalanceAt(long now) => Math.Min(limit, _balance + time.GetElapsedTime(_updated, now).TotalMinutes * limit);

        public void Take(int tokens, long now)
        {
            _balance = BalanceAt(now) - tokens;
            _updated = now;
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
