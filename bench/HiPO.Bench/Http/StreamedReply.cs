using System.Diagnostics;

namespace HiPO.Bench.Http;

/// <summary>
/// One streamed chat completion as the client saw it: when it was sent, when each chunk carrying text
/// arrived, when the stream ended, and the usage the server reported. Times are <see cref="Stopwatch"/> timestamps.
/// </summary>
public sealed record StreamedReply(
    long Sent,
    IReadOnlyList<long> TextChunks,
    long Ended,
    int PromptTokens,
    int CompletionTokens,
    int CachedTokens,
    string Content)
{
    /// <summary>When the first chunk carrying text (content, reasoning or judge text) arrived.</summary>
    public long FirstText => TextChunks.Count > 0 ? TextChunks[0] : Ended;

    /// <summary>Time to first token: to the first chunk carrying text.</summary>
    public TimeSpan Ttft => Stopwatch.GetElapsedTime(Sent, FirstText);

    public TimeSpan EndToEnd => Stopwatch.GetElapsedTime(Sent, Ended);

    /// <summary>Time per output token after the first, as vLLM defines it: (e2e - TTFT) / (tokens - 1).</summary>
    public TimeSpan? Tpot => CompletionTokens > 1 ? (EndToEnd - Ttft) / (CompletionTokens - 1) : null;

    /// <summary>Gaps between consecutive text chunks.</summary>
    public IEnumerable<TimeSpan> InterTokenLatencies => TextChunks.Zip(TextChunks.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b));
}
