using System.Diagnostics;
using HiPO.Bench.Reporting;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Http;

/// <summary>Phase (b): waves of simultaneous streaming requests, and their latency and throughput numbers.</summary>
public static class ServingThroughput
{
    public static async Task<ServerWave> RunWaveAsync(
        InProcessServer server, StreamingChatClient client, IReadOnlyList<IReadOnlyList<ChatTurn>> conversations, int tokens,
        RequestVariant variant, Action onText, CancellationToken cancellation)
    {
        // Finished sequences the prefix cache keeps stay in the one KV cache and widen every step's attention span.
        var cachedCells = server.Snapshot.KvCellsCached;
        // Nothing else runs between waves, so the loop's steps from here on are this wave's.
        server.Scheduler.ClearStepTimings();
        var started = Stopwatch.GetTimestamp();
        var replies = await Task.WhenAll(conversations.Select(c => client.StreamAsync(c, tokens, variant, onText, cancellation)));
        var wall = Stopwatch.GetElapsedTime(started);
        var steps = server.Scheduler.RecentSteps();

        // The server prefills a wave's prompts a chunk per step, interleaved with the first streams' decoding,
        // so the streams start a few steps apart. The engine's decode rate starts after all prefill: compare
        // it with the span in which every stream was generating, from the last first token to the first last one.
        var from = replies.Max(r => r.FirstText);
        var to = replies.Min(r => r.TextChunks.Count > 0 ? r.TextChunks[^1] : r.Ended);
        var steady = to > from ? replies.Sum(r => r.TextChunks.Count(t => t > from && t <= to)) : 0;
        return new ServerWave(replies, wall, steady, to > from ? Stopwatch.GetElapsedTime(from, to) : TimeSpan.Zero, cachedCells, steps);
    }

    /// <summary>The numbers of one request kind at one concurrency over all its waves; the engine comparison is left to the caller.</summary>
    public static ServerResult Summarize(RequestVariant variant, int concurrency, IReadOnlyList<ServerWave> waves)
    {
        var replies = waves.SelectMany(w => w.Replies).ToList();
        var completion = replies.Sum(r => r.CompletionTokens);
        return new ServerResult(
            variant.Name,
            variant.Fields,
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
            waves.Sum(w => w.SteadyTokens) / waves.Sum(w => w.SteadySpan.TotalSeconds),
            null,
            null,
            LoopHostTime.Of(waves.SelectMany(w => w.Steps)));
    }
}
