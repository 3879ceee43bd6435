using HiPO.Bench.Reporting;

namespace HiPO.Bench.Engine;

/// <summary>Phase (a)'s numbers for one batch size: the raw engine's decode rate over all its waves.</summary>
public static class EngineThroughput
{
    public static EngineResult Summarize(int sequences, int tokens, IReadOnlyList<EngineWave> waves)
    {
        var decodeSeconds = waves.Sum(w => w.Decode.TotalSeconds);
        var decodeTokens = waves.Sum(w => w.DecodeTokens);
        return new EngineResult(
            sequences, waves.Count, (int)waves.Average(w => w.PromptTokens), tokens,
            waves.Average(w => w.Prefill.TotalSeconds), decodeTokens, decodeSeconds, decodeTokens / decodeSeconds);
    }
}
