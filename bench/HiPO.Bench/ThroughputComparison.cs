using HiPO.Bench.Engine;
using HiPO.Bench.Http;
using HiPO.Bench.Prompts;
using HiPO.Bench.Reporting;

namespace HiPO.Bench;

/// <summary>
/// Phases (a) and (b), or (d)'s two halves: the raw engine and the server, both loaded, take turns wave by
/// wave at each level (B sequences, then B streams), so load that comes and goes on a shared machine hits
/// both sides of a ratio alike. Only one of them works at a time; the other sits idle.
/// </summary>
public static class ThroughputComparison
{
    public static async Task<(List<EngineResult> Engine, List<ServerResult> Server)> MeasureAsync(
        RawEngine engine, InProcessServer server, StreamingChatClient client, BenchmarkSettings settings,
        int[] batchSizes, int[] concurrencies, int tokens, ProgressLog log, CancellationToken cancellation)
    {
        var enginePrompts = new PromptFactory(turns => engine.Tokenize(turns).Length, settings.Seed);
        var serverPrompts = new PromptFactory(server.CountTokens, settings.Seed);
        // The first decodes fault the mapped weights in and allocate compute buffers: keep them out of the numbers.
        await engine.RunWaveAsync([engine.Tokenize(enginePrompts.Conversation("warm-up", settings.PromptTokens))], 4, settings.Temperature, settings.TopP);
        await client.StreamAsync(serverPrompts.Conversation("warm-up", settings.PromptTokens), 4, null, cancellation);

        var engineResults = new List<EngineResult>();
        var serverResults = new List<ServerResult>();
        foreach (var level in batchSizes.Union(concurrencies).Order())
        {
            var onEngine = batchSizes.Contains(level);
            var onServer = concurrencies.Contains(level);
            var waves = Math.Max(settings.Waves, (settings.MinSequencesPerLevel + level - 1) / level);
            var counter = log.Count($"B = c = {level}", level * tokens * waves * ((onEngine ? 1 : 0) + (onServer ? 1 : 0)));
            var engineWaves = new List<EngineWave>();
            var serverWaves = new List<ServerWave>();
            for (var wave = 0; wave < waves; wave++)
            {
                var keys = Enumerable.Range(0, level).Select(i => PromptFactory.Key(level, wave, i)).ToList();
                // Alternating which side goes first also cancels a steady drift in the machine's load.
                var engineFirst = wave % 2 == 0;
                if (onEngine && engineFirst)
                    engineWaves.Add(await RunEngineWaveAsync());
                if (onServer)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var conversations = keys.Select(k => serverPrompts.Conversation(k, settings.PromptTokens)).ToList();
                    serverWaves.Add(await ServingThroughput.RunWaveAsync(server, client, conversations, tokens, () => counter.Add(1), cancellation));
                }
                if (onEngine && !engineFirst)
                    engineWaves.Add(await RunEngineWaveAsync());

                Task<EngineWave> RunEngineWaveAsync()
                {
                    cancellation.ThrowIfCancellationRequested();
                    var prompts = keys.Select(k => engine.Tokenize(enginePrompts.Conversation(k, settings.PromptTokens))).ToList();
                    return engine.RunWaveAsync(prompts, tokens, settings.Temperature, settings.TopP, counter.Add);
                }
            }

            var engineResult = onEngine ? EngineThroughput.Summarize(level, tokens, engineWaves) : null;
            if (engineResult is not null)
            {
                engineResults.Add(engineResult);
                log.Line($"  engine B={level}: {engineResult.DecodeTokensPerSecond:0.0} decode tok/s, prefill {engineResult.PrefillSecondsPerWave:0.00} s per wave");
            }
            if (onServer)
            {
                var result = ServingThroughput.Summarize(level, serverWaves);
                if (result.CompletionTokens != result.Requests * tokens)
                    log.Line($"  warning: the replies generated {result.CompletionTokens} tokens, not {result.Requests} x {tokens}");
                if (engineResult is not null)
                    result = result with
                    {
                        EngineDecodeTokensPerSecond = engineResult.DecodeTokensPerSecond,
                        RatioToEngine = result.DecodeTokensPerSecond / engineResult.DecodeTokensPerSecond,
                    };
                serverResults.Add(result);
                log.Line($"  server c={level}: {result.DecodeTokensPerSecond:0.0} decode tok/s" +
                    (result.RatioToEngine is { } ratio ? $" ({ratio * 100:0}% of the engine)" : "") +
                    $", TTFT p50 {result.Ttft.P50Ms:0} ms, TPOT p50 {result.Tpot.P50Ms:0.0} ms");
            }
        }
        return (engineResults, serverResults);
    }
}
