using HiPO.Bench.Engine;
using HiPO.Bench.Http;
using HiPO.Bench.Reporting;

namespace HiPO.Bench;

/// <summary>
/// Phase (e): what the server costs where the model is fast. The proxy model has HiPO's vocabulary and tiny layers, so
/// a decode step takes a millisecond or two on the CPU, as the real model's does on a GPU, and everything the server
/// does per token (sampling over 151,936 logits, parsing, JSON, SSE) shows in the rate. The raw engine (greedy argmax)
/// is compared with the server at every request kind a client commonly sends.
/// </summary>
public static class GpuProxy
{
    /// <summary>Defaults (what most clients send), greedy, top-k off (the vocabulary-wide path) and logprobs.</summary>
    public static IReadOnlyList<RequestVariant> Variants { get; } =
        [RequestVariant.Defaults, RequestVariant.Greedy, RequestVariant.TopKOff, RequestVariant.Logprobs];

    public static async Task<ProxyReport> MeasureAsync(BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var model = BenchModels.EnsureProxy(settings.ModelsFolder, settings.Seed);
        var levels = settings.ProxyLevels;
        var parallel = levels.Max();
        using var raw = RawEngine.Load(model, settings.ProxyContextSize, parallel);
        await using var server = await InProcessServer.StartAsync(model, settings.ProxyContextSize, parallel, cancellation);
        log.Line($"  {Path.GetFileName(model)}, context {settings.ProxyContextSize}, prompts of {settings.ProxyPromptTokens} tokens, " +
            $"{settings.ProxyTokens} tokens per request; server defaults: {server.SamplingDefaults}");
        using var client = new StreamingChatClient(server.BaseAddress, raw.BannedTokens);
        var plan = new ComparisonPlan(
            levels,
            [.. Variants.Select(v => new ServerLevels(v, levels))],
            settings.ProxyPromptTokens,
            settings.ProxyTokens,
            settings.ProxyWaves,
            settings.ProxyMinSequencesPerLevel,
            WarmUpStreams: parallel);
        var (engine, serving) = await ThroughputComparison.MeasureAsync(raw, server, client, plan, settings.Seed, log, cancellation);
        return new ProxyReport(
            new ModelInfo(model, new FileInfo(model).Length, "random-weight GPU proxy (qwen3, HiPO's 151,936-token vocabulary, 2 layers, hidden 64), Q8_0"),
            server.SamplingDefaults,
            settings.ProxyContextSize,
            settings.ProxyPromptTokens,
            settings.ProxyTokens,
            engine,
            serving);
    }
}
