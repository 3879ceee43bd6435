using System.Diagnostics;
using HiPO.Bench.Reporting;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Http;

/// <summary>Phase (b): waves of simultaneous streaming requests, and their latency and throughput numbers.</summary>
public static class ServingThroughput
{
    public static async Task<ServerWave> RunWaveAsync(
        InProcessServer server, StreamingChatClient client, IReadOnlyList<IReadOnlyList<ChatTurn>> conversations, int tokens, Action onText,
        CancellationToken cancellation)
    {
        // Finished sequences the prefix cache keeps stay in the one KV cache and widen every step's attention span.
        var cachedCells = server.Snapshot.KvCellsCached;
        var started = Stopwatch.GetTimestamp();
        var replies = await Task.WhenAll(conversations.Select(c => client.StreamAsync(c, tokens, onText, cancellation)));
        var wall = Stopwatch.GetElapsedTime(started);
        return new ServerWave(replies, wall, Stopwatch.GetElapsedTime(replies.Min(r => r.FirstText), replies.Max(r => r.Ended)), cachedCells);
    }

    /// <summary>The numbers of one concurrency over all its waves; the engine comparison is left to the caller.</summary>
    public static ServerResult Summarize(int concurrency, IReadOnlyList<ServerWave> waves)
    {
        var replies = waves.SelectMany(w => w.Replies).ToList();
        var completion = replies.Sum(r => r.CompletionTokens);
        return new ServerResult(
            concurrency,
            replies.Count,
            (int)replies.Average(r => r.PromptTokens),
            completion,
            replies.Sum(r => r.CachedTokens),
            waves.Max(w => w.PrefixCacheCells),
            LatencySummary.Of(replies.Select(r => r.Ttft)),
            LatencySummary.Of(replies.Select(r => r.Tpot ?? TimeSpan.Zero)),
            LatencySummary.Of(replies.SelectMany(r => r.InterTokenLatencies)),
            completion / waves.Sum(w => w.Wall.TotalSeconds),
            replies.Sum(r => r.CompletionTokens - 1) / waves.Sum(w => w.DecodeSpan.TotalSeconds),
            null,
            null);
    }
}
