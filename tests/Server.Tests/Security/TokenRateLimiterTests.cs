using System.Threading.RateLimiting;
using HiPO.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Tests.Security;

/// <summary>The post-paid tokens-per-minute bucket: admission while not empty, charges that may overdraw, continuous refill.</summary>
public sealed class TokenRateLimiterTests
{
    private readonly ManualTime _time = new();

    private readonly HttpContext _caller = Request();

    private TokenRateLimiter Limiter(int? tokensPerMinute) =>
        new(Options.Create(new SecurityOptions { RateLimit = { TokensPerMinute = tokensPerMinute } }), _time);

    private static HttpContext Request(string ip = "10.0.0.1", string path = "/v1/chat/completions")
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = IPAddress.Parse(ip);
        return context;
    }

    [Fact]
    public void A_caller_is_admitted_until_its_usage_empties_the_bucket()
    {
        var limiter = Limiter(600);

        limiter.Charge(_caller, 599);
        Assert.True(limiter.AttemptAcquire(_caller).IsAcquired);
        limiter.Charge(_caller, 1);
        Assert.False(limiter.AttemptAcquire(_caller).IsAcquired);
    }

    [Fact]
    public void One_large_request_may_overdraw_and_the_wait_pays_off_the_debt()
    {
        var limiter = Limiter(600);

        limiter.Charge(_caller, 900);
        var refused = limiter.AttemptAcquire(_caller);

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);
        Assert.True(refused.TryGetMetadata(TokenRateLimiter.TokensPerMinute, out var limit));
        Assert.Equal(600, limit);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(limiter.AttemptAcquire(_caller).IsAcquired);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limiter.AttemptAcquire(_caller).IsAcquired);
    }

    [Fact]
    public void The_bucket_refills_to_one_minute_of_tokens_and_no_more()
    {
        var limiter = Limiter(600);

        limiter.Charge(_caller, 300);
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(600, limiter.GetStatistics(_caller)!.CurrentAvailablePermits);
        limiter.Charge(_caller, 600);
        Assert.False(limiter.AttemptAcquire(_caller).IsAcquired);
    }

    [Fact]
    public void Callers_have_separate_buckets()
    {
        var limiter = Limiter(100);

        limiter.Charge(Request("10.0.0.1"), 100);

        Assert.False(limiter.AttemptAcquire(Request("10.0.0.1")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(Request("10.0.0.2")).IsAcquired);
    }

    [Theory]
    [InlineData(null, "/v1/chat/completions")]
    [InlineData(0, "/v1/chat/completions")]
    [InlineData(100, "/health")]
    public void Nothing_is_limited_when_the_limit_is_off_or_the_path_is_open(int? tokensPerMinute, string path)
    {
        var limiter = Limiter(tokensPerMinute);
        var caller = Request(path: path);

        limiter.Charge(caller, 1_000_000);

        Assert.True(limiter.AttemptAcquire(caller).IsAcquired);
    }
}
