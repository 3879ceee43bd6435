namespace HiPO.Bench.Http;

/// <summary>
/// One wave of simultaneous streaming requests: their replies, the wave's wall time, and its decode span
/// (from the wave's first token to the end of its last stream, the span the engine's decode rate uses).
/// <paramref name="PrefixCacheCells"/> are the KV cells the server's prefix cache held when the wave started.
/// </summary>
public sealed record ServerWave(IReadOnlyList<StreamedReply> Replies, TimeSpan Wall, TimeSpan DecodeSpan, int PrefixCacheCells);
