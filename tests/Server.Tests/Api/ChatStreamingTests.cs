namespace HiPO.Server.Tests.Api;

/// <summary>The raw SSE stream, read as a curl-style client would.</summary>
public sealed class ChatStreamingTests
{
    private static readonly string[] ThinkFields = ["think_mode_reason", "think_mode", "reasoning_content", "content"];

    private static object Ask(string text, object? extra = null) =>
        Body.Merge(new { stream = true, messages = new[] { new { role = "user", content = text } } }, extra);

    [Fact]
    public async Task Think_fields_arrive_in_order_and_never_share_a_delta()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var response = await Sse.PostStreamAsync(server.Http, Ask("What is 17 times 23?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var chunks = await Sse.ReadChunksAsync(response);

        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var order = new List<string>();
        foreach (var delta in chunks.Select(c => c["choices"]!.AsArray()).Where(a => a.Count > 0).Select(a => a[0]!["delta"]!.AsObject()))
        {
            var present = ThinkFields.Where(delta.ContainsKey).ToList();
            Assert.True(present.Count <= 1, $"A delta mixes {string.Join(" and ", present)}: {delta.ToJsonString()}");
            if (present.Count == 1 && (order.Count == 0 || order[^1] != present[0]))
                order.Add(present[0]);
        }
        Assert.Equal(ThinkFields, order);

        Assert.Equal(ScriptedModels.ThinkOn.Judge, Sse.Field(chunks, "think_mode_reason"));
        Assert.Equal(ScriptedModels.ThinkOn.Reasoning, Sse.Field(chunks, "reasoning_content"));
        Assert.Equal(ScriptedModels.ThinkOn.Answer, Sse.Field(chunks, "content"));
        var decision = chunks.Single(c => c["choices"]!.AsArray().Count > 0 && c["choices"]![0]!["delta"]!["think_mode"] is not null);
        Assert.Equal("on", (string?)decision["choices"]![0]!["delta"]!["think_mode"]);
        Assert.Equal("model", (string?)decision["choices"]![0]!["delta"]!["think_mode_source"]);
        Assert.Equal("stop", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
        Assert.NotNull(chunks[^1]["timings"]);
    }

    [Fact]
    public async Task Tokens_are_flushed_one_by_one()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("Capital of France?")));

        var answerChunks = chunks.Count(c => c["choices"]!.AsArray().Count > 0 && c["choices"]![0]!["delta"]!["content"] is not null);
        Assert.True(answerChunks >= 5, $"The answer came in {answerChunks} chunks; tokens are being buffered.");
        Assert.Equal(ScriptedModels.ThinkOff.Answer, Sse.Field(chunks, "content"));
    }

    [Fact]
    public async Task Usage_comes_in_a_final_chunk_only_when_asked()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var without = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("Capital of France?")));
        Assert.All(without, c => Assert.Null(c["usage"]));

        var with = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("Capital of France?", new { stream_options = new { include_usage = true } })));
        var usage = with[^1];
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal(TestModels.AnswerClosedTokens(ScriptedModels.ThinkOff), (int)usage["usage"]!["completion_tokens"]!);
        Assert.All(with.SkipLast(1), c => Assert.Null(c["usage"]));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_frees_its_slot()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless));
        using (var cancel = new CancellationTokenSource())
        {
            var response = await Sse.PostStreamAsync(server.Http, Ask("Go on"), cancel.Token);
            var seen = 0;
            await foreach (var data in Sse.ReadEventsAsync(response, cancel.Token))
                if (++seen == 10)
                    break;
            await cancel.CancelAsync();
            response.Dispose();
        }

        var idle = await server.WaitForAsync(s => s.RunningRequests == 0);
        Assert.Equal(0, idle.RunningSequences);
        Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);

        var json = await Sse.JsonAsync(await server.PostChatAsync(Body.Merge(new { messages = new[] { new { role = "user", content = "again" } } }, new { max_tokens = 5 })));
        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task Streamed_text_equals_the_non_streamed_reply()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.MultiByte));
        var chunks = await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask("Greet me")));
        var whole = await Sse.JsonAsync(await server.PostChatAsync(Body.Merge(new { messages = new[] { new { role = "user", content = "Greet me" } } }, null)));

        Assert.Equal((string?)whole["choices"]![0]!["message"]!["content"], Sse.Field(chunks, "content"));
        Assert.Equal((string?)whole["choices"]![0]!["message"]!["think_mode_reason"], Sse.Field(chunks, "think_mode_reason"));
        _ = chunks.OfType<JsonObject>();
    }
}
