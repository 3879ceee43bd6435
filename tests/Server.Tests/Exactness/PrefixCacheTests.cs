using static HiPO.Server.Tests.Exactness.GreedyChat;

namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// Prefix reuse gives the reply the prompt gets alone, and <c>usage.prompt_tokens_details.cached_tokens</c> is exactly
/// the prefix reused: a second turn, a prompt sharing only part of a cached prompt or of its reply, and a cache that
/// evicted its least recently used entry at <c>Inference:CachedSequences</c> and filled again.
/// </summary>
/// <remarks>
/// A finished sequence stays in the cache holding its prompt and its reply less the last token (sampled, never decoded).
/// A new prompt reuses the longest common prefix with one entry, of at least <c>Inference:MinCachedPrefix</c> (16) tokens,
/// and always decodes its own last token, whose logits start the reply.
/// </remarks>
public sealed class PrefixCacheTests
{
    private const int MinCachedPrefix = 16;

    [Fact]
    public async Task A_second_turn_reuses_exactly_the_shared_prefix_and_gets_the_reply_of_its_prompt_alone()
    {
        await using var server = await StartAsync("--Inference:PrefillChunk=8");
        var random = new Random(21);
        var firstTurn = Conversation(Letters(random, 30), system: Letters(random, 40));
        var first = await AskAsync(server, firstTurn, 20);
        var firstExpected = await ExpectedAsync(server, firstTurn, 20);
        firstExpected.AssertMatches(first.Content!, "first turn");
        Assert.Equal(0, CachedTokens(first.Usage));

        ChatTurn[] secondTurn = [.. firstTurn, new(ChatRole.Assistant, first.Content!), new(ChatRole.User, Letters(random, 25))];
        var second = await AskAsync(server, secondTurn, 20, stream: true);

        (await ExpectedAsync(server, secondTurn, 20)).AssertMatches(second.Content!, "second turn");
        var shared = Reused([.. PromptOf(server, firstTurn), .. first.Content!.Select(c => (int)c)], PromptOf(server, secondTurn));
        Assert.True(shared > 60, $"Only {shared} tokens shared.");
        Assert.Equal(shared, CachedTokens(second.Usage));
    }

    [Fact]
    public async Task Prompts_sharing_part_of_a_cached_prompt_or_of_its_reply_reuse_exactly_that_part()
    {
        await using var server = await StartAsync("--Inference:PrefillChunk=8");
        var random = new Random(22);
        var system = Letters(random, 40);
        var user = Letters(random, 60);
        var turns = Conversation(user, system);
        var reply = (await AskAsync(server, turns, 24)).Content!;
        (await ExpectedAsync(server, turns, 24)).AssertMatches(reply, "the cached request");
        var prompt = PromptOf(server, turns);

        // A raw completion that continues the cached prompt with the first 10 letters of its reply, then turns away.
        var turnAway = reply[10] == 'z' ? "y" : "z";
        var continued = server.Engine.Detokenize(prompt) + reply[..10] + turnAway + Letters(random, 5);
        var continuedPrompt = PromptOf(server, continued);
        Assert.Equal(prompt, continuedPrompt[..prompt.Length]);
        var (continuedText, continuedCached) = await CompleteAsync(server, continued, 16);
        (await Reference.DecodeAsync(continuedPrompt, 16)).AssertMatches(continuedText, "the continuation");
        Assert.Equal(prompt.Length + 10, continuedCached);

        // The continuation took the entry and left its own; a chat prompt that leaves it in the user's message.
        var sibling = Conversation(user[..20] + Letters(random, 30), system);
        var siblingReply = await AskAsync(server, sibling, 24);
        (await ExpectedAsync(server, sibling, 24)).AssertMatches(siblingReply.Content!, "the sibling");
        var shared = Reused([.. continuedPrompt, .. continuedText.Select(c => (int)c)], PromptOf(server, sibling));
        Assert.True(shared > system.Length + 20, $"Only {shared} tokens shared.");
        Assert.Equal(shared, CachedTokens(siblingReply.Usage));
    }

    [Fact]
    public async Task The_cache_keeps_the_most_recently_used_entries_up_to_its_capacity_and_refills_exactly()
    {
        await using var server = await StartAsync("--Inference:CachedSequences=2");
        var random = new Random(23);
        // Distinct system prompts: two conversations share only "<|im_start|>system\n", fewer tokens than are worth reusing.
        var conversations = Enumerable.Range(0, 3).Select(_ => Conversation(Letters(random, 20), system: Letters(random, 30))).ToArray();
        var (a, b, c) = (conversations[0], conversations[1], conversations[2]);

        // Least recently used first out: A leaves when C comes, B when A comes back; C stays, B must be computed again.
        (ChatTurn[] Turns, bool Hit, int Cached)[] plan = [(a, false, 1), (b, false, 2), (c, false, 2), (a, false, 2), (c, true, 2), (b, false, 2)];
        foreach (var (turns, hit, cachedAfter) in plan)
        {
            var name = turns == a ? "A" : turns == b ? "B" : "C";
            var reply = await AskAsync(server, turns, 12);
            (await ExpectedAsync(server, turns, 12)).AssertMatches(reply.Content!, name);
            Assert.Equal(hit ? PromptOf(server, turns).Length - 1 : 0, CachedTokens(reply.Usage));
            var idle = await server.WaitForAsync(s => s.RunningRequests == 0);
            Assert.Equal(cachedAfter, idle.CachedSequences);
            Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
        }
    }

    [Fact]
    public async Task Admission_evicts_the_oldest_cached_prefixes_when_their_cells_are_needed()
    {
        await using var server = await StartAsync("--Model:ContextSize=256");
        var total = server.Engine.Scheduler.ContextSize;
        // Each request reserves its prompt and max_tokens; each finished one keeps its prompt and reply less one token.
        // Two fit beside the cache of one, a third only once the oldest entry is gone.
        var (length, maxTokens) = (total / 2 - 30, 20);
        var random = new Random(24);
        var prompts = Enumerable.Range(0, 3).Select(_ => Letters(random, length)).ToArray();
        var (a, b, c) = (prompts[0], prompts[1], prompts[2]);

        (string Prompt, bool Hit, int Cached)[] plan = [(a, false, 1), (b, false, 2), (c, false, 2), (a, false, 2), (b, false, 2), (a, true, 2)];
        foreach (var (prompt, hit, cachedAfter) in plan)
        {
            var name = prompt == a ? "A" : prompt == b ? "B" : "C";
            var (text, cached) = await CompleteAsync(server, prompt, maxTokens);
            (await Reference.DecodeAsync(PromptOf(server, prompt), maxTokens)).AssertMatches(text, name);
            Assert.Equal(hit ? length - 1 : 0, cached);
            var idle = await server.WaitForAsync(s => s.RunningRequests == 0);
            Assert.Equal(cachedAfter, idle.CachedSequences);
            Assert.Equal((length + maxTokens - 1) * cachedAfter, idle.KvCellsCached);
            Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
        }
    }

    [Fact]
    public async Task With_no_cached_sequences_nothing_is_reused_and_replies_stay_exact()
    {
        await using var server = await StartAsync("--Inference:CachedSequences=0");
        var turns = Conversation(Letters(new Random(25), 40));
        var expected = await ExpectedAsync(server, turns, 10);
        for (var i = 0; i < 2; i++)
        {
            var reply = await AskAsync(server, turns, 10);
            expected.AssertMatches(reply.Content!, $"request {i}");
            Assert.Equal(0, CachedTokens(reply.Usage));
            var idle = await server.WaitForAsync(s => s.RunningRequests == 0);
            Assert.Equal(0, idle.CachedSequences);
            Assert.Equal(0, idle.KvCellsUsed);
        }
    }

    /// <summary>What the cache holding <paramref name="cached"/> (prompt and reply) may give <paramref name="prompt"/>.</summary>
    private static int Reused(int[] cached, int[] prompt)
    {
        var shared = prompt.AsSpan(0, prompt.Length - 1).CommonPrefixLength(cached.AsSpan(0, cached.Length - 1));
        return shared >= MinCachedPrefix ? shared : 0;
    }
}
