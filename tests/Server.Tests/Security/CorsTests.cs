namespace HiPO.Server.Tests.Security;

/// <summary>CORS is off unless origins are configured; then browsers may preflight and call /v1 with an Authorization header.</summary>
public sealed class CorsTests
{
    private const string Origin = "https://app.example.com";

    [Fact]
    public async Task Without_configured_origins_no_CORS_headers_are_sent()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));

        var preflight = await server.Http.SendAsync(Preflight(Origin));
        var response = await server.Http.SendAsync(Get(Origin));

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_may_preflight_with_Authorization_and_read_refusals()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
            "--Security:ApiKeys:0=sk-cors", $"--Security:Cors:AllowedOrigins:0={Origin}");

        var preflight = await server.Http.SendAsync(Preflight(Origin));
        var refused = await server.Http.SendAsync(Get(Origin));
        var otherOrigin = await server.Http.SendAsync(Preflight("https://evil.example.com"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Origin, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Origin, refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(otherOrigin.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static HttpRequestMessage Get(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("Origin", origin);
        return request;
    }
}
