using HiPO.Bench.Engine;
using HiPO.Bench.Http;
using HiPO.Bench.Prompts;
using HiPO.Bench.Reporting;

namespace HiPO.Bench;

/// <summary>
/// Phases (a) and (b), (d)'s two halves and (e): the raw engine and the server, both loaded, take turns wave by wave
/// at each level (B sequences, then B streams of each request kind; the order rotates every wave), so load that comes
/// and goes on a shared machine hits every side of a ratio alike. Only one of them works at a time; the rest sit idle.
/// </summary>
public static class ThroughputComparison
{
    private const int WarmUpTokens = 4;

    public static async Task<(List<EngineResult> Engine, List<ServerResult> Server)> MeasureAsync(
        RawEngine engine, InProcessServer server, StreamingChatClient client, ComparisonPlan plan, int seed, ProgressLog log,
        CancellationToken cancellation)
    {
        var enginePrompts = new PromptFactory(turns => engine.Tokenize(turns).Length, seed);
        var serverPrompts = new PromptFactory(server.CountTokens, seed);
        // The first decodes fault the mapped weights in and allocate compute buffers, and each request kind's first
        // tokens run code for the first time (on every sampling thread at once when warming up several streams):
        // keep them out of the numbers.
        await engine.RunWaveAsync([engine.Tokenize(enginePrompts.Conversation("warm-up", plan.PromptTokens))], WarmUpTokens);
        foreach (var (variant, _) in plan.Server)
        {
            var warmUp = Enumerable.Range(0, plan.WarmUpStreams)
                .Select(i => serverPrompts.Conversation($"warm-up/{variant.Name}/{i}", plan.PromptTokens)).ToList();
            await ServingThroughput.RunWaveAsync(server, client, warmUp, WarmUpTokens, variant, () => { }, cancellation);
        }

        var engineResults = new List<EngineResult>();
        var serverResults = new List<ServerResult>();
        var levels = plan.BatchSizes.Union(plan.Server.SelectMany(s => s.Concurrencies)).Order();
        foreach (var level in levels)
        {
            var onEngine = plan.BatchSizes.Contains(level);
            var variants = plan.Server.Where(s => s.Concurrencies.Contains(level)).Select(s => s.Variant).ToList();
            // null stands for the engine in the rotation.
            List<RequestVariant?> sides = [.. onEngine ? [null] : Array.Empty<RequestVariant?>(), .. variants];
            var waves = Math.Max(plan.Waves, (plan.MinSequencesPerLevel + level - 1) / level);
            var counter = log.Count($"B = c = {level}", level * plan.Tokens * waves * sides.Count);
            var engineWaves = new List<EngineWave>();
            var serverWaves = variants.ToDictionary(v => v, _ => new List<ServerWave>());
            for (var wave = 0; wave < waves; wave++)
            {
                // Rotating which side goes first also cancels a steady drift in the machine's load.
                for (var turn = 0; turn < sides.Count; turn++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var side = sides[(turn + wave) % sides.Count];
                    var keys = Enumerable.Range(0, level).Select(i => PromptFactory.Key(side?.Name ?? "engine", level, wave, i)).ToList();
                    if (side is null)
                    {
                        var prompts = keys.Select(k => engine.Tokenize(enginePrompts.Conversation(k, plan.PromptTokens))).ToList();
                        engineWaves.Add(await engine.RunWaveAsync(prompts, plan.Tokens, counter.Add));
                    }
                    else
                    {
                        var conversations = keys.Select(k => serverPrompts.Conversation(k, plan.PromptTokens)).ToList();
                        serverWaves[side].Add(await ServingThroughput.RunWaveAsync(
                            server, client, conversations, plan.Tokens, side, () => counter.Add(1), cancellation));
                    }
                }
            }

            var engineResult = onEngine ? EngineThroughput.Summarize(level, plan.Tokens, engineWaves) : null;
            if (engineResult is not null)
            {
                engineResults.Add(engineResult);
                log.Line($"  engine B={level}: {engineResult.DecodeTokensPerSecond:0.0} decode tok/s, prefill {engineResult.PrefillSecondsPerWave:0.00} s per wave");
            }
            foreach (var variant in variants)
            {
                var result = ServingThroughput.Summarize(variant, level, serverWaves[variant]);
                if (result.CompletionTokens != result.Requests * plan.Tokens)
                    log.Line($"  warning: the replies generated {result.CompletionTokens} tokens, not {result.Requests} x {plan.Tokens}");
                if (engineResult is not null)
                    result = result with
                    {
                        EngineDecodeTokensPerSecond = engineResult.DecodeTokensPerSecond,
                        RatioToEngine = result.DecodeTokensPerSecond / engineResult.DecodeTokensPerSecond,
                    };
                serverResults.Add(result);
                log.Line($"  server c={level} {variant.Name}: {result.DecodeTokensPerSecond:0.0} decode tok/s" +
                    (result.RatioToEngine is { } ratio ? $" ({ratio * 100:0}% of the engine)" : "") +
                    $", TTFT p50 {result.Ttft.P50Ms:0} ms, TPOT p50 {result.Tpot.P50Ms:0.0} ms, " +
                    $"loop host time p50 {result.HostTime.StepP50Us:0} µs per step, {result.HostTime.PerSequenceTokenP50Us:0} µs per sequence-token");
            }
        }
        return (engineResults, serverResults);
    }
}
