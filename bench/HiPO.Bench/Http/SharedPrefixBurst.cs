using HiPO.Bench.Prompts;
using HiPO.Bench.Reporting;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Http;

/// <summary>
/// Phase (f): requests that share one long system prompt and differ in a short question (the shape of agent and RAG
/// traffic), all at once on a cold server, then the same kind of prompts (another system prompt, so nothing is cached)
/// one at a time. Counts the prompt tokens the server actually prefilled (prompt less reused) and the TTFTs.
/// </summary>
public static class SharedPrefixBurst
{
    public static async Task<SharedPrefixResult> MeasureAsync(string model, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var requests = settings.SharedPrefixRequests;
        var perRequest = settings.SharedPrefixTokens + 64 + settings.SharedPrefixReplyTokens;
        // Room for every request at once: the KV budget charges each for its whole prompt even where cells are shared.
        var context = requests * perRequest;
        await using var server = await InProcessServer.StartAsync(model, context, requests, cancellation);
        using var client = new StreamingChatClient(server.BaseAddress, []);
        var prompts = new PromptFactory(server.CountTokens, settings.Seed);

        IReadOnlyList<ChatTurn>[] Burst(string name)
        {
            var system = new ChatTurn(ChatRole.System, prompts.Conversation($"shared/{name}/system", settings.SharedPrefixTokens)[1].Content);
            return [.. Enumerable.Range(0, requests).Select(i => (IReadOnlyList<ChatTurn>)[system, prompts.Conversation($"shared/{name}/{i}", 24)[1]])];
        }

        log.Line($"  {requests} requests sharing a {settings.SharedPrefixTokens}-token system prompt, context {context}: all at once");
        var together = await Task.WhenAll(Burst("together").Select(turns =>
            client.StreamAsync(turns, settings.SharedPrefixReplyTokens, RequestVariant.Greedy, null, cancellation)));
        log.Line("  the same shape, one at a time");
        var alone = new List<StreamedReply>();
        foreach (var turns in Burst("alone"))
            alone.Add(await client.StreamAsync(turns, settings.SharedPrefixReplyTokens, RequestVariant.Greedy, null, cancellation));

        var result = new SharedPrefixResult(
            requests,
            together.Sum(r => r.PromptTokens),
            together.Sum(r => r.PromptTokens - r.CachedTokens),
            Tail(together),
            LatencySummary.Of(together.Select(r => r.Ttft)),
            alone.Sum(r => r.PromptTokens - r.CachedTokens),
            LatencySummary.Of(alone.Select(r => r.Ttft)));
        log.Line($"  together: {result.PrefilledTogether} of {result.PromptTokens} prompt tokens prefilled (one shared prompt plus the tails: " +
            $"{result.SharedPlusTails}), TTFT p50 {result.TtftTogether.P50Ms:0} ms, p99 {result.TtftTogether.P99Ms:0} ms; one at a time: " +
            $"{result.PrefilledAlone} prefilled, TTFT p50 {result.TtftAlone.P50Ms:0} ms, p99 {result.TtftAlone.P99Ms:0} ms");
        return result;

        // One shared prompt plus every request's own part, the least a server can prefill; a request that forked the
        // shared prompt reports exactly its length as cached.
        static int Tail(StreamedReply[] replies) =>
            replies.Sum(r => r.PromptTokens) - (replies.Length - 1) * replies.Max(r => r.CachedTokens);
    }
}
