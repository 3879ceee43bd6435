using LLama.Native;
using static HiPO.Server.Tests.Exactness.GreedyChat;

namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// The decode loop's recovery paths keep replies exact: a sequence moved to a rebuilt context after a failed decode
/// goes on with the reply its prompt gets alone, and a decode that finds no KV slot frees a cached prefix and retries
/// the same batch.
/// </summary>
public sealed class RecoveryExactnessTests
{
    [Fact]
    public async Task A_request_moved_to_a_rebuilt_context_goes_on_with_the_reply_of_its_prompt_alone()
    {
        // With a 32-token batch, two streams generating and one long prompt filling the rest, a fourth request's prompt
        // waits outside every step: when a decode fails, the streams and the long prompt fail, the waiting one moves.
        await using var server = await StartAsync("--Inference:MaxParallel=4", "--Model:BatchSize=32", "--Inference:PrefillChunk=32");
        var random = new Random(41);
        var scheduler = server.Engine.Scheduler;
        using var hold = new LoopHold(scheduler);
        var fired = 0;
        scheduler.DecodeFault = _ =>
        {
            // Hold the loop once the long prompt is admitted, until the fourth request is queued behind it.
            hold.HoldOnceWhen(server.Snapshot.RunningRequests == 3);
            return server.Snapshot.RunningRequests == 4 && Interlocked.Exchange(ref fired, 1) == 0 ? DecodeResult.DecodeFailed : null;
        };

        var streamTurns = Enumerable.Range(0, 2).Select(_ => Conversation(Letters(random, 20))).ToList();
        var streams = streamTurns.Select(turns => server.Http.PostAsJsonAsync("/v1/chat/completions", Body(turns, 400))).ToList();
        // Both prompts are in the cache and both streams generate.
        var prompts = streamTurns.Sum(turns => PromptOf(server, turns).Length);
        await server.WaitForAsync(s => s.RunningSequences == 2 && s.KvCellsUsed >= prompts + 4);
        var longPrompt = server.Http.PostAsJsonAsync("/v1/chat/completions", Body(Conversation(Letters(random, 3000)), 4));
        await server.WaitForAsync(s => s.RunningRequests == 3);
        var moved = Conversation(Letters(random, 60));
        var reply = AskAsync(server, moved, 30);
        await hold.ReleaseWhenQueuedAsync();

        (await ExpectedAsync(server, moved, 30)).AssertMatches((await reply).Content!, "the request moved to the rebuilt context");
        Assert.Equal(1, fired);
        foreach (var failed in await Task.WhenAll([.. streams, longPrompt]))
        {
            Assert.True(failed.StatusCode == HttpStatusCode.ServiceUnavailable, await failed.Content.ReadAsStringAsync());
            Assert.Equal("engine_error", (string?)(await Sse.JsonAsync(failed))["error"]!["code"]);
        }
    }

    [Fact]
    public async Task A_decode_without_a_free_KV_slot_evicts_the_oldest_cached_prefix_and_retries_exactly()
    {
        await using var server = await StartAsync("--Inference:CachedSequences=4");
        var random = new Random(42);
        // Raw prompts share no prefix with each other or with the chat template, so each stays in the cache.
        foreach (var warm in Enumerable.Range(0, 3).Select(_ => Letters(random, 40)))
            await CompleteAsync(server, warm, 4);
        await server.WaitForAsync(s => s.CachedSequences == 3);

        // The next decode reports no KV slot once (as llama.cpp does when the cache is full); the batch stays queued.
        var fired = 0;
        server.Engine.Scheduler.DecodeFault = _ => Interlocked.Exchange(ref fired, 1) == 0 ? DecodeResult.NoKvSlot : null;
        var turns = Conversation(Letters(random, 50));
        var reply = await AskAsync(server, turns, 24);

        (await ExpectedAsync(server, turns, 24)).AssertMatches(reply.Content!, "the retried step");
        Assert.Equal(1, fired);
        // The oldest cached prefix made room; a cache hit took one more entry out; the request's own sequence went in.
        var hit = CachedTokens(reply.Usage) > 0 ? 1 : 0;
        Assert.Equal(3 - 1 - hit + 1, (await server.WaitForAsync(s => s.RunningRequests == 0)).CachedSequences);
    }
}
