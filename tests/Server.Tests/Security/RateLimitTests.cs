namespace HiPO.Server.Tests.Security;

/// <summary>Requests and tokens per minute on the real server: 429 with Retry-After and OpenAI's rate_limit_exceeded body, per key.</summary>
public sealed class RateLimitTests
{
    private static readonly object Chat = new { messages = new[] { new { role = "user", content = "Capital of France?" } } };

    [Fact]
    public async Task Requests_beyond_the_per_minute_limit_get_429_with_Retry_After()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
            "--Security:ApiKeys:0=sk-a", "--Security:ApiKeys:1=sk-b", "--Security:RateLimit:RequestsPerMinute=2");

        Assert.Equal(HttpStatusCode.OK, (await GetModelsAsync(server, "sk-a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetModelsAsync(server, "sk-a")).StatusCode);
        var refused = await GetModelsAsync(server, "sk-a");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
        var error = (await Sse.JsonAsync(refused))["error"]!;
        Assert.Equal("requests", (string?)error["type"]);
        Assert.Equal("rate_limit_exceeded", (string?)error["code"]);
        Assert.Equal(HttpStatusCode.OK, (await GetModelsAsync(server, "sk-b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Without_keys_each_client_address_has_its_own_limit()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Security:RateLimit:RequestsPerMinute=1");

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await server.Http.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Once_a_completion_has_used_up_the_tokens_per_minute_the_next_request_gets_429()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
            "--Security:ApiKeys:0=sk-a", "--Security:ApiKeys:1=sk-b", "--Security:RateLimit:TokensPerMinute=10");

        Assert.Equal(HttpStatusCode.OK, (await PostChatAsync(server, "sk-a")).StatusCode);
        var refused = await PostChatAsync(server, "sk-a");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        var error = (await Sse.JsonAsync(refused))["error"]!;
        Assert.Equal("tokens", (string?)error["type"]);
        Assert.Equal("rate_limit_exceeded", (string?)error["code"]);
        Assert.Equal(HttpStatusCode.OK, (await PostChatAsync(server, "sk-b")).StatusCode);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_is_charged_for_the_tokens_it_was_sent()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless),
            "--Security:ApiKeys:0=sk-a", "--Security:RateLimit:TokensPerMinute=100");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { stream = true, max_tokens = 1000, messages = new[] { new { role = "user", content = "Go on." } } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-a");

        // Read well past the minute's 100 tokens, then hang up before the generation completes.
        using (var stream = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            var chunks = 0;
            await foreach (var data in Sse.ReadEventsAsync(stream))
                if (++chunks == 200)
                    break;
            Assert.Equal(200, chunks);
        }
        await server.WaitForAsync(s => s.RunningRequests == 0);

        // Listing models costs no tokens but is refused once the bucket is overdrawn; the charge lands as the handler ends.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var refused = await GetModelsAsync(server, "sk-a");
        while (refused.StatusCode != HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            refused = await GetModelsAsync(server, "sk-a");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("tokens", (string?)(await Sse.JsonAsync(refused))["error"]!["type"]);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostChatAsync(server, "sk-a")).StatusCode);
    }

    private static Task<HttpResponseMessage> GetModelsAsync(RunningServer server, string key) =>
        SendAsync(server, new HttpRequestMessage(HttpMethod.Get, "/v1/models"), key);

    private static Task<HttpResponseMessage> PostChatAsync(RunningServer server, string key) =>
        SendAsync(server, new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(Chat) }, key);

    private static Task<HttpResponseMessage> SendAsync(RunningServer server, HttpRequestMessage request, string key)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return server.Http.SendAsync(request);
    }
}
