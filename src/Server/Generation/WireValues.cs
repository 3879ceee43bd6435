using HiPO.Inference.Scheduling;
using HiPO.ModeParsing;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>Mappings from engine results to OpenAI wire values.</summary>
internal static class WireValues
{
    public static string? Name(ThinkMode? mode) => mode switch
    {
        ThinkMode.On => "on",
        ThinkMode.Off => "off",
        _ => null,
    };

    public static string? FinishReason(FinishReason? reason) => reason switch
    {
        Inference.Scheduling.FinishReason.Stop => "stop",
        Inference.Scheduling.FinishReason.Length => "length",
        null => null,
        _ => "error",
    };

    public static TokenLogprobInfo Logprob(TokenLogprob token) => new(
        token.Token, token.Logprob, token.Bytes, [.. token.Top.Select(t => new TopLogprobInfo(t.Token, t.Logprob, t.Bytes))]);

    public static Usage Usage(GenerationUsage usage) => new(
        usage.PromptTokens,
        usage.CompletionTokens,
        usage.PromptTokens + usage.CompletionTokens,
        new PromptTokensDetails(usage.CachedTokens),
        new CompletionTokensDetails(usage.ReasoningTokens));

    public static Timings Timings(GenerationUsage usage)
    {
        var promptN = usage.PromptTokens - usage.CachedTokens;
        var promptMs = usage.PromptTime.TotalMilliseconds;
        var predictedMs = usage.GenerationTime.TotalMilliseconds;
        return new Timings(
            usage.CachedTokens, promptN, promptMs, PerSecond(promptN, promptMs),
            usage.CompletionTokens, predictedMs, PerSecond(usage.CompletionTokens, predictedMs),
            usage.QueueWait.TotalMilliseconds);

        static double PerSecond(int n, double ms) => ms > 0 ? Math.Round(n * 1000 / ms, 2) : 0;
    }
}
