using HiPO.Inference.Scheduling;

namespace HiPO.Bench.Http;

/// <summary>
/// One wave of simultaneous streaming requests: their replies, the wave's wall time, and its steady state:
/// <paramref name="SteadyTokens"/> text chunks (a token each) that arrived in <paramref name="SteadySpan"/>,
/// while every stream of the wave was generating. <paramref name="PrefixCacheCells"/> are the KV cells the
/// server's prefix cache held when the wave started. <paramref name="Steps"/>: the decode loop's steps during the wave.
/// </summary>
public sealed record ServerWave(
    IReadOnlyList<StreamedReply> Replies, TimeSpan Wall, int SteadyTokens, TimeSpan SteadySpan, int PrefixCacheCells, IReadOnlyList<StepTiming> Steps);
