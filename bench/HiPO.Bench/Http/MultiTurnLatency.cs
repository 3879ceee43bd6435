using HiPO.Bench.Prompts;
using HiPO.Bench.Reporting;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Http;

/// <summary>
/// Phase (c): two-turn conversations on an otherwise idle server. Turn 1 is a long cold prompt; turn 2 sends
/// it back with turn 1's answer and a short question, as chat clients do, so the server can reuse turn 1's
/// KV cache for the shared prefix and prefill only the rest.
/// </summary>
public static class MultiTurnLatency
{
    private const string FollowUp = "Thanks. Now say it again in fewer words, please.";

    public static async Task<List<MultiTurnResult>> MeasureAsync(
        InProcessServer server, StreamingChatClient client, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var prompts = new PromptFactory(server.CountTokens, settings.Seed);
        var results = new List<MultiTurnResult>();
        for (var conversation = 1; conversation <= settings.Conversations; conversation++)
        {
            var first = prompts.Conversation($"multi-turn/{conversation}", settings.Turn1PromptTokens);
            var turn1 = await client.StreamAsync(first, settings.TurnTokens, RequestVariant.Greedy, null, cancellation);
            IReadOnlyList<ChatTurn> second = [.. first, new ChatTurn(ChatRole.Assistant, turn1.Content), new ChatTurn(ChatRole.User, FollowUp)];
            var turn2 = await client.StreamAsync(second, settings.TurnTokens, RequestVariant.Greedy, null, cancellation);
            var result = new MultiTurnResult(
                conversation,
                turn1.PromptTokens, turn1.CachedTokens, turn1.Ttft.TotalMilliseconds,
                turn2.PromptTokens, turn2.CachedTokens, turn2.Ttft.TotalMilliseconds,
                turn2.Ttft / turn1.Ttft);
            log.Line($"  conversation {conversation}: turn 1 TTFT {result.Turn1TtftMs:0} ms ({result.Turn1PromptTokens} prompt tokens), " +
                $"turn 2 TTFT {result.Turn2TtftMs:0} ms ({result.Turn2PromptTokens} prompt tokens, {result.Turn2CachedTokens} cached): {result.Ratio * 100:0}%");
            results.Add(result);
        }
        return results;
    }
}
