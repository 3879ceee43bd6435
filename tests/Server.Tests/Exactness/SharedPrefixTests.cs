using static HiPO.Server.Tests.Exactness.GreedyChat;

namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// Concurrent requests that share a long system prompt compute it once: the first prefills it, the others fork its KV
/// cells (waiting while it is still being prefilled) or a cached copy, and every reply is still the one its prompt
/// gets alone.
/// </summary>
public sealed class SharedPrefixTests
{
    [Fact]
    public async Task Concurrent_requests_sharing_a_system_prompt_prefill_it_once_and_reply_exactly()
    {
        // A small chunk, so the first request's system prompt takes several steps while the others wait for it.
        await using var server = await StartAsync("--Inference:MaxParallel=8", "--Inference:PrefillChunk=64");
        var random = new Random(51);
        var system = Letters(random, 600);
        var conversations = Enumerable.Range(0, 8).Select(_ => Conversation(Letters(random, 12), system)).ToList();

        var replies = await Task.WhenAll(conversations.Select(turns => AskAsync(server, turns, 12, stream: true)));

        var prefilled = 0;
        var prompts = conversations.Select(turns => PromptOf(server, turns)).ToList();
        var sharedPrompt = prompts.Skip(1).Min(p => p.AsSpan().CommonPrefixLength(prompts[0]));
        Assert.True(sharedPrompt > system.Length, $"The prompts share only {sharedPrompt} tokens.");
        for (var i = 0; i < conversations.Count; i++)
        {
            (await ExpectedAsync(server, conversations[i], 12)).AssertMatches(replies[i].Content!, $"request {i}");
            var prompt = prompts[i].Length;
            var cached = CachedTokens(replies[i].Usage);
            Assert.InRange(cached, 0, prompt - 1);
            prefilled += prompt - cached;
        }
        // One request computed the shared prompt; every other one reused it (forked, not recomputed).
        Assert.Equal(1, replies.Count(r => CachedTokens(r.Usage) < sharedPrompt));
        var tails = prompts.Sum(p => p.Length - sharedPrompt);
        Assert.InRange(prefilled, 0, (sharedPrompt + tails) * 1.1);
    }
}
