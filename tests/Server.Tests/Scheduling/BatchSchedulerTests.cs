namespace HiPO.Server.Tests.Scheduling;

/// <summary>The pooled scheduler under concurrent load, through the real server: batching, queueing, cancellation and prefix reuse.</summary>
public sealed class BatchSchedulerTests
{
    private static object Ask(string text, object? extra = null) =>
        Body.Merge(new { stream = true, messages = new[] { new { role = "user", content = text } } }, extra);

    [Fact]
    public async Task Sixteen_concurrent_streams_get_their_own_replies_with_at_most_four_running()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Demo), "--Inference:MaxParallel=4");
        var demo = ScriptedModels.Demo;
        using var watching = new CancellationTokenSource();
        var maxRunning = 0;
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                maxRunning = Math.Max(maxRunning, server.Snapshot.RunningSequences);
                await Task.Delay(1);
            }
        });

        string[] modes = ["auto", "on", "off"];
        var requests = Enumerable.Range(0, 16).Select(async i =>
        {
            var mode = modes[i % 3];
            var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask($"request {i}", new { think_mode = mode })));
            return (Mode: mode, Chunks: chunks);
        }).ToList();
        var results = await Task.WhenAll(requests);
        await watching.CancelAsync();
        await watcher;

        foreach (var (mode, chunks) in results)
        {
            Assert.Equal(demo.Answer, Sse.Field(chunks, "content"));
            Assert.Equal(mode == "off" ? "" : demo.Reasoning, Sse.Field(chunks, "reasoning_content"));
            Assert.Equal(mode == "auto" ? demo.Judge : "", Sse.Field(chunks, "think_mode_reason"));
            Assert.Equal(mode == "off" ? "off" : "on", Sse.Field(chunks, "think_mode"));
            Assert.Equal(mode == "auto" ? "model" : "request", Sse.Field(chunks, "think_mode_source"));
        }
        Assert.InRange(maxRunning, 2, 4);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_503_and_retry_after_then_recovers()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:MaxParallel=1", "--Inference:MaxQueue=1");
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var running = await Sse.PostStreamAsync(server.Http, Ask("one", new { max_tokens = 3000 }), first.Token);
        await server.WaitForAsync(s => s.RunningRequests == 1);
        var queued = Sse.PostStreamAsync(server.Http, Ask("two", new { max_tokens = 3000 }), second.Token);
        await server.WaitForAsync(s => s.QueuedRequests == 1);

        var refused = await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "three" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var error = (await Sse.JsonAsync(refused))["error"]!;
        Assert.Equal("server_overloaded", (string?)error["type"]);
        Assert.Equal("queue_full", (string?)error["code"]);

        await first.CancelAsync();
        running.Dispose();
        (await queued).Dispose();
        await second.CancelAsync();
        await server.WaitForAsync(s => s.RunningRequests == 0 && s.QueuedRequests == 0);
        var after = await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "four" } }, max_tokens = 5 });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_request_that_waits_too_long_in_the_queue_gets_503()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless),
            "--Inference:MaxParallel=1", "--Inference:QueueTimeoutSeconds=1");
        using var first = new CancellationTokenSource();
        var running = await Sse.PostStreamAsync(server.Http, Ask("one", new { max_tokens = 10000 }), first.Token);
        await server.WaitForAsync(s => s.RunningRequests == 1);

        var waited = await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "two" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, waited.StatusCode);
        Assert.Equal("queue_timeout", (string?)(await Sse.JsonAsync(waited))["error"]!["code"]);
        await first.CancelAsync();
        running.Dispose();
    }

    [Fact]
    public async Task Disconnecting_half_the_streams_leaks_nothing_and_the_rest_complete()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:MaxParallel=4");
        var random = new Random(7);
        for (var round = 0; round < 4; round++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => RunAsync(server, disconnectAfter: i % 2 == 0 ? random.Next(1, 20) : null)));
            Assert.All(outcomes.Where(o => o is not null), o => Assert.Equal("length", o));
            Assert.Equal(8, outcomes.Count(o => o is not null));
            var idle = await server.WaitForAsync(s => s.RunningRequests == 0 && s.QueuedRequests == 0);
            Assert.Equal(0, idle.RunningSequences);
            Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
        }
    }

    [Fact]
    public async Task Two_hundred_requests_with_random_disconnects_leave_the_server_clean()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Inference:MaxParallel=4", "--Inference:MaxQueue=200");
        var random = new Random(11);
        var plans = Enumerable.Range(0, 200).Select(_ => random.Next(3) == 0 ? (int?)random.Next(1, 15) : null).ToList();
        var outcomes = await Task.WhenAll(plans.Select(p => RunAsync(server, p, maxTokens: 24)));

        Assert.Equal(plans.Count(p => p is null), outcomes.Count(o => o == "length"));
        var idle = await server.WaitForAsync(s => s.RunningRequests == 0 && s.QueuedRequests == 0);
        Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
        Assert.True(idle.KvCellsUsed <= idle.KvCellsTotal);
        var fresh = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => RunAsync(server, null, maxTokens: 10)));
        Assert.All(fresh, o => Assert.Equal("length", o));
    }

    [Fact]
    public async Task A_second_turn_reuses_the_first_turns_prompt_from_the_cache()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var system = new { role = "system", content = "You are a geography tutor. " + string.Join(' ', Enumerable.Repeat("Answer briefly.", 20)) };
        var firstTurn = new object[] { system, new { role = "user", content = "What is the capital of France?" } };
        var first = await Sse.JsonAsync(await server.PostChatAsync(new { messages = firstTurn }));
        Assert.Equal(0, (int)first["usage"]!["prompt_tokens_details"]!["cached_tokens"]!);
        var reply = (string)first["choices"]![0]!["message"]!["content"]!;

        var secondTurn = new object[] { system, firstTurn[1], new { role = "assistant", content = reply }, new { role = "user", content = "And of Italy?" } };
        var second = await Sse.JsonAsync(await server.PostChatAsync(new { messages = secondTurn }));

        var renderer = server.Engine.Renderer;
        ChatTurn[] one = [new(ChatRole.System, system.content), new(ChatRole.User, "What is the capital of France?")];
        ChatTurn[] two = [.. one, new(ChatRole.Assistant, reply), new(ChatRole.User, "And of Italy?")];
        var shared = server.Engine.Scheduler.Tokenize(renderer.Render(one, ThinkModeRequest.Auto)).AsSpan()
            .CommonPrefixLength(server.Engine.Scheduler.Tokenize(renderer.Render(two, ThinkModeRequest.Auto)));
        Assert.True(shared > 100);
        Assert.Equal(shared, (int)second["usage"]!["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(ScriptedModels.ThinkOff.Answer, (string?)second["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task A_reply_without_max_tokens_ends_with_length_at_its_share_of_the_context()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Model:ContextSize=1024", "--Inference:MaxParallel=2");
        var json = await Sse.JsonAsync(await server.PostChatAsync(new { messages = new[] { new { role = "user", content = "go" } } }));

        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
        var usage = json["usage"]!;
        Assert.Equal(1024 / 2, (int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!);
    }

    /// <summary>Streams one request; returns its finish reason, or null when the client left after <paramref name="disconnectAfter"/> events.</summary>
    private static async Task<string?> RunAsync(RunningServer server, int? disconnectAfter, int maxTokens = 60)
    {
        using var cancel = new CancellationTokenSource();
        using var response = await Sse.PostStreamAsync(server.Http, Ask("go", new { max_tokens = maxTokens }), cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = 0;
        string? finish = null;
        await foreach (var data in Sse.ReadEventsAsync(response, cancel.Token))
        {
            if (disconnectAfter is { } limit && ++seen >= limit)
            {
                await cancel.CancelAsync();
                return null;
            }
            if (data != "[DONE]" && JsonNode.Parse(data)!["choices"]?.AsArray() is [{ } choice, ..] && choice["finish_reason"] is { } reason)
                finish = (string?)reason;
        }
        return finish;
    }
}
