using static HiPO.Server.Tests.Exactness.GreedyChat;

namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// A reply computed in a batch is the reply the model gives its prompt alone: concurrent requests, chunked prefill
/// interleaved with running decodes, <c>n</c> forks and a long prompt admitted mid-stream, on a model whose every
/// token depends on the whole context (<see cref="AttentionModel"/>), through the real server over HTTP.
/// </summary>
public sealed class ExactBatchingTests
{
    [Fact]
    public async Task The_model_reads_the_whole_prompt_so_a_wrong_kv_cell_changes_the_reply()
    {
        await using var server = await StartAsync();
        var random = new Random(1);
        var user = Letters(random, 60);
        var alone = await ExpectedAsync(server, Conversation(user), 16);
        var firstLetterChanged = await ExpectedAsync(server, Conversation((user[0] == 'a' ? 'b' : 'a') + user[1..]), 16);

        // The first user letter sits over a hundred tokens before the end of the prompt: only attention carries it to the reply.
        Assert.NotEqual(alone.Text, firstLetterChanged.Text);
        Assert.True(alone.Text.Distinct().Count() > 4, alone.Text);
    }

    [Fact]
    public async Task Decoding_beside_other_sequences_rounds_the_logits_far_less_than_the_noise_bound()
    {
        var random = new Random(2);
        int[] Prompt(int length) => [.. Letters(random, length).Select(c => (int)c)];

        var largest = await Reference.LargestDeviationAmongOthersAsync(Prompt(70), [Prompt(30), Prompt(120), Prompt(9)], chunk: 8, steps: 24);

        // The bound under which AssertMatches accepts a flipped near tie: it must hold with room to spare.
        Assert.InRange(largest, 0, AttentionModel.NumericNoise / 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(16)]
    public async Task Concurrent_requests_with_mixed_prompt_lengths_get_the_replies_of_their_prompts_alone(int concurrency)
    {
        await using var server = await StartAsync("--Inference:MaxParallel=16", "--Inference:MaxChoices=16", "--Inference:PrefillChunk=8");
        var random = new Random(concurrency);
        var requests = Enumerable.Range(0, concurrency)
            .Select(i => (Turns: Conversation(Letters(random, random.Next(1, 150))), MaxTokens: random.Next(8, 40), Stream: i % 2 == 0))
            .ToList();

        // A request of 16 choices holds every slot until all the others wait in the queue; freed, the slots take them all in
        // one step. Then they prefill together in chunks of 8 tokens: the short prompts finish their prefill and decode
        // while the long ones are still prefilling. (Should the holder finish first, they are admitted as they come.)
        using var hold = new CancellationTokenSource();
        var holder = concurrency > 1 ? HoldAsync(server, Body(Conversation(Letters(random, 400)), 300, new { n = 16 }), hold.Token) : Task.CompletedTask;
        await server.WaitForAsync(s => s.RunningRequests == (concurrency > 1 ? 1 : 0));
        var replies = requests.Select(r => AskAsync(server, r.Turns, r.MaxTokens, r.Stream)).ToList();
        await server.WaitForAsync(s => s.QueuedRequests == concurrency || s.RunningRequests == 0);
        await hold.CancelAsync();
        await holder;
        var results = await Task.WhenAll(replies);

        for (var i = 0; i < requests.Count; i++)
        {
            var expected = await ExpectedAsync(server, requests[i].Turns, requests[i].MaxTokens);
            expected.AssertMatches(results[i].Content!, $"request {i} of {concurrency}");
            Assert.Equal("length", results[i].FinishReason);
        }
    }

    [Fact]
    public async Task Greedy_forks_of_n_choices_each_get_the_reply_of_the_prompt_alone()
    {
        await using var server = await StartAsync("--Inference:MaxParallel=8", "--Inference:PrefillChunk=8");
        var random = new Random(5);
        var forked = Conversation(Letters(random, 45));
        var alongside = Conversation(Letters(random, 90));
        // The forks are made after a partial last chunk.
        Assert.NotEqual(0, PromptOf(server, forked).Length % 8);

        var forks = server.PostChatAsync(Body(forked, 24, new { n = 4 }));
        var other = AskAsync(server, alongside, 30, stream: true);
        var response = await forks;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Sse.JsonAsync(response);

        var expected = await ExpectedAsync(server, forked, 24);
        var choices = json["choices"]!.AsArray();
        Assert.Equal(4, choices.Count);
        foreach (var choice in choices)
            expected.AssertMatches((string)choice!["message"]!["content"]!, $"choice {choice["index"]}");
        Assert.Equal(4 * 24, (int)json["usage"]!["completion_tokens"]!);
        (await ExpectedAsync(server, alongside, 30)).AssertMatches((await other).Content!, "the request decoded alongside the forks");
    }

    [Fact]
    public async Task A_long_prompt_admitted_while_others_stream_changes_none_of_the_replies()
    {
        await using var server = await StartAsync("--Inference:MaxParallel=8", "--Inference:PrefillChunk=8");
        var random = new Random(9);
        var streaming = Enumerable.Range(0, 4).Select(_ => Conversation(Letters(random, random.Next(5, 40)))).ToList();
        var started = streaming.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var streams = streaming.Select((turns, i) => StreamAsync(server, Body(turns, 150), started[i])).ToList();
        await Task.WhenAll(started.Select(s => s.Task));

        // About 1,100 prompt tokens in chunks of 8: some 140 steps of prefill beside the four streams' decodes.
        var longTurns = Conversation(Letters(random, 1000), system: Letters(random, 20));
        var longReply = AskAsync(server, longTurns, 20);
        await server.WaitForAsync(s => s.RunningRequests == 5);

        var texts = await Task.WhenAll(streams);
        for (var i = 0; i < streaming.Count; i++)
            (await ExpectedAsync(server, streaming[i], 150)).AssertMatches(texts[i], $"stream {i}");
        (await ExpectedAsync(server, longTurns, 20)).AssertMatches((await longReply).Content!, "the long prompt");
    }

    /// <summary>Streams a chat request until <paramref name="cancellation"/>, which disconnects it at once.</summary>
    private static async Task HoldAsync(RunningServer server, JsonObject body, CancellationToken cancellation)
    {
        body["stream"] = true;
        try
        {
            using var response = await Sse.PostStreamAsync(server.Http, body, cancellation);
            await foreach (var _ in Sse.ReadEventsAsync(response, cancellation))
            {
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    /// <summary>Streams a chat request, signals its first content, and returns the whole content.</summary>
    private static async Task<string> StreamAsync(RunningServer server, JsonObject body, TaskCompletionSource started)
    {
        body["stream"] = true;
        using var response = await Sse.PostStreamAsync(server.Http, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = new StringBuilder();
        try
        {
            await foreach (var data in Sse.ReadEventsAsync(response))
            {
                if (data == "[DONE]")
                    break;
                if (JsonNode.Parse(data)!["choices"]?.AsArray() is [{ } choice, ..] && (string?)choice["delta"]?["content"] is { Length: > 0 } piece)
                {
                    text.Append(piece);
                    started.TrySetResult();
                }
            }
        }
        finally
        {
            // A stream that never started must not leave the test waiting: its text then fails the comparison.
            started.TrySetResult();
        }
        return text.ToString();
    }
}
