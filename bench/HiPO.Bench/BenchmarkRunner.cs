using System.Diagnostics;
using System.Runtime.InteropServices;
using HiPO.Bench.Engine;
using HiPO.Bench.Http;
using HiPO.Bench.Reporting;
using HiPO.Inference.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPO.Bench;

/// <summary>
/// Runs the four phases: (a) the raw engine and (b) the server under concurrent streams, taking turns
/// wave by wave, then (c) multi-turn prefix reuse on the same server, then (d) engine and server again on
/// the scripted model. One thing runs at a time, and every ratio compares numbers measured in this run.
/// </summary>
public static class BenchmarkRunner
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings, TextWriter output, CancellationToken cancellation)
    {
        var log = new ProgressLog(output);
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        // Before the first native call (the quantizer may be it), as the server does; llama.cpp's narration of
        // every load would only interleave with the tables.
        NativeBackend.Configure(new ModelOptions(), NullLogger.Instance);

        var scripted = BenchModels.WriteScripted(settings.ModelsFolder);
        var model = settings.ModelPath
            ?? (settings.Quick ? scripted : await BenchModels.EnsureRandomAsync(settings.ModelsFolder, settings.Quantization, settings.Seed, log, cancellation));
        var modelInfo = new ModelInfo(model, new FileInfo(model).Length, Describe(settings, model == scripted));
        var parallel = settings.EngineBatchSizes.Concat(settings.Concurrencies).Max();
        log.Line($"Model: {modelInfo.Description}, {modelInfo.Path} ({modelInfo.Bytes / 1e6:0} MB)");
        log.Line($"Settings: {Environment.ProcessorCount} cores, context {settings.ContextSize}, {parallel} parallel sequences, prompts of " +
            $"{settings.PromptTokens} tokens, {settings.GeneratedTokens} generated tokens per sequence/request, {settings.Waves} or more wave(s) per level (at least {settings.MinSequencesPerLevel} sequences), " +
            $"temperature {settings.Temperature}, top_p {settings.TopP}, think_mode off, control tokens banned");

        log.Line($"(a) Raw engine (one BatchedExecutor, B = {string.Join(", ", settings.EngineBatchSizes)}) and " +
            $"(b) server over HTTP (streaming, concurrency {string.Join(", ", settings.Concurrencies)}), wave by wave");
        List<EngineResult> engine;
        List<ServerResult> serving;
        List<MultiTurnResult> multiTurn;
        using (var raw = RawEngine.Load(model, settings.ContextSize, parallel))
        await using (var server = await InProcessServer.StartAsync(model, settings.ContextSize, parallel, cancellation))
        {
            using var client = new StreamingChatClient(server.BaseAddress, raw.BannedTokens, settings.Temperature, settings.TopP);
            (engine, serving) = await ThroughputComparison.MeasureAsync(
                raw, server, client, settings, settings.EngineBatchSizes, settings.Concurrencies, settings.GeneratedTokens, log, cancellation);
            log.Line($"(c) Multi-turn: turn 1 of {settings.Turn1PromptTokens} prompt tokens, then turn 2 sharing all but its prefill");
            multiTurn = await MultiTurnLatency.MeasureAsync(server, client, settings, log, cancellation);
        }

        log.Line($"(d) Overhead per token on the scripted model: engine and server at {string.Join(", ", settings.OverheadConcurrencies)}");
        var overhead = await MeasureOverheadAsync(scripted, settings, log, cancellation);

        var report = new BenchmarkReport(
            settings.Quick ? "quick" : "full",
            startedAt,
            Stopwatch.GetElapsedTime(started).TotalSeconds,
            Machine(),
            modelInfo,
            settings,
            engine,
            serving,
            multiTurn,
            overhead,
            settings.Quick ? [] : Targets(serving, multiTurn));
        log.Line($"Done in {report.DurationSeconds:0} s.");
        return report;
    }

    private static async Task<List<OverheadResult>> MeasureOverheadAsync(string scripted, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var levels = settings.OverheadConcurrencies;
        using var raw = RawEngine.Load(scripted, settings.ContextSize, levels.Max());
        await using var server = await InProcessServer.StartAsync(scripted, settings.ContextSize, levels.Max(), cancellation);
        using var client = new StreamingChatClient(server.BaseAddress, raw.BannedTokens, settings.Temperature, settings.TopP);
        var (engine, serving) = await ThroughputComparison.MeasureAsync(raw, server, client, settings, levels, levels, settings.OverheadTokens, log, cancellation);
        return [.. engine.Zip(serving, (e, s) => new OverheadResult(
            s.Concurrency,
            settings.OverheadTokens,
            e.DecodeTokensPerSecond,
            s.DecodeTokensPerSecond,
            s.DecodeTokensPerSecond / e.DecodeTokensPerSecond,
            1e6 / s.DecodeTokensPerSecond - 1e6 / e.DecodeTokensPerSecond))];
    }

    /// <summary>The issue's targets for the 1.7B-shape model; each only where its phase ran at the level it names.</summary>
    private static List<TargetResult> Targets(List<ServerResult> serving, List<MultiTurnResult> multiTurn)
    {
        var targets = new List<TargetResult>();
        if (serving.FirstOrDefault(s => s.Concurrency == 1) is { RatioToEngine: { } single })
            targets.Add(new TargetResult("1 stream vs engine B=1", "decode tok/s >= 95% of the engine's", single, 0.95, single >= 0.95));
        if (serving.FirstOrDefault(s => s.Concurrency == 8) is { RatioToEngine: { } eight })
            targets.Add(new TargetResult("8 streams vs engine B=8", "aggregate decode tok/s >= 90% of the engine's", eight, 0.90, eight >= 0.90));
        if (multiTurn.Count > 0)
        {
            var ratio = Median(multiTurn.Select(m => m.Ratio));
            targets.Add(new TargetResult("Turn-2 TTFT vs turn 1", "median turn-2 TTFT <= 25% of turn 1's", ratio, 0.25, ratio <= 0.25));
        }
        return targets;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Describe(BenchmarkSettings settings, bool isScripted) =>
        isScripted ? "scripted model (ScriptedModels.Endless)"
        : settings.ModelPath is not null ? "given model"
        : $"random-weight HiPO-1.7B shape (qwen3, 28 layers, hidden 2048), {settings.Quantization.ToUpperInvariant()}";

    private static MachineInfo Machine() => new(
        Environment.ProcessorCount,
        CpuName(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        NativeBackend.LoadedLibrary);

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        var line = File.Exists(cpuInfo) ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?[(line.IndexOf(':') + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
