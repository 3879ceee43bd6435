using static HiPO.Server.Tests.Exactness.GreedyChat;

namespace HiPO.Server.Tests.Exactness;

/// <summary>
/// <c>Inference:PrefillChunk</c>: a prompt is decoded at most that many tokens per step, so that running streams keep
/// flowing beside it, and the reply is the same whatever the chunk.
/// </summary>
public sealed class PrefillChunkTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(50)]
    [InlineData(4096)]
    public async Task A_prompt_takes_one_step_per_chunk_and_the_reply_does_not_depend_on_the_chunk(int chunk)
    {
        // No prefix cache: the whole prompt is prefilled.
        await using var server = await StartAsync($"--Inference:PrefillChunk={chunk}", "--Inference:CachedSequences=0");
        var turns = Conversation(Letters(new Random(31), 150));
        var promptTokens = PromptOf(server, turns).Length;

        var reply = await AskAsync(server, turns, 3);

        (await ExpectedAsync(server, turns, 3)).AssertMatches(reply.Content!, $"chunk {chunk}");
        Assert.Equal(0, CachedTokens(reply.Usage));
        // The last chunk's step gives the first token; each further token takes one step.
        await server.WaitForAsync(s => s.RunningRequests == 0);
        Assert.Equal((promptTokens + chunk - 1) / chunk + 2, server.Engine.Scheduler.RecentSteps().Count);
    }
}
