using System.Diagnostics;
using System.Runtime.InteropServices;
using HiPO.Bench.Engine;
using HiPO.Bench.Http;
using HiPO.Bench.Reporting;
using HiPO.Inference.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPO.Bench;

/// <summary>
/// Runs the phases: (a) the raw engine and (b) the server under concurrent streams, taking turns wave by wave,
/// then (c) multi-turn prefix reuse on the same server, then (d) engine and server again on the scripted model,
/// then (e) the GPU proxy. One thing runs at a time, and every ratio compares numbers measured in this run.
/// </summary>
public static class BenchmarkRunner
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings, TextWriter output, CancellationToken cancellation)
    {
        var log = new ProgressLog(output);
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var loadAtStart = LoadAverage();
        // Before the first native call (the quantizer may be it), as the server does; llama.cpp's narration of
        // every load would only interleave with the tables.
        NativeBackend.Configure(new ModelOptions(), NullLogger.Instance);

        var scripted = BenchModels.WriteScripted(settings.ModelsFolder);
        var phases = settings.Phases;
        ModelInfo? modelInfo = null;
        List<EngineResult> engine = [];
        List<ServerResult> serving = [];
        List<MultiTurnResult> multiTurn = [];
        List<OverheadResult> overhead = [];
        ProxyReport? proxy = null;
        SharedPrefixResult? shared = null;
        AdaptiveThinkingResult? adaptive = null;
        // The model of phases (a) to (c) and (f): the one given, the scripted one in a quick run, else the random 1.7B-shape one.
        async Task<string> ShapeModelAsync() => settings.ModelPath
            ?? (settings.Quick ? scripted : await BenchModels.EnsureRandomAsync(settings.ModelsFolder, settings.Quantization, settings.Seed, log, cancellation));
        log.Line($"Machine: {Environment.ProcessorCount} cores; every engine sequence greedy, every request think_mode off with control tokens banned");
        if (phases.HasFlag(BenchmarkPhases.Shape))
        {
            var model = await ShapeModelAsync();
            modelInfo = new ModelInfo(model, new FileInfo(model).Length, Describe(settings, model == scripted));
            (engine, serving, multiTurn) = await MeasureShapeAsync(model, modelInfo, settings, log, cancellation);
        }
        if (phases.HasFlag(BenchmarkPhases.Overhead))
        {
            log.Line($"(d) Overhead per token on the scripted model: engine and server at {string.Join(", ", settings.OverheadConcurrencies)}");
            overhead = await MeasureOverheadAsync(scripted, settings, log, cancellation);
        }
        if (phases.HasFlag(BenchmarkPhases.Proxy))
        {
            log.Line($"(e) GPU proxy: engine (greedy) and server ({string.Join(", ", GpuProxy.Variants.Select(v => v.Name))}) at {string.Join(", ", settings.ProxyLevels)}");
            proxy = await GpuProxy.MeasureAsync(settings, log, cancellation);
        }

        if (phases.HasFlag(BenchmarkPhases.Shared))
        {
            log.Line($"(f) Shared prefix: {settings.SharedPrefixRequests} requests with one {settings.SharedPrefixTokens}-token system prompt");
            var model = await ShapeModelAsync();
            shared = await SharedPrefixBurst.MeasureAsync(model, settings, log, cancellation);
        }

        if (phases.HasFlag(BenchmarkPhases.Adaptive))
            adaptive = await AdaptiveThinkingBurst.MeasureAsync(settings.ModelsFolder, settings, log, cancellation);

        var report = new BenchmarkReport(
            settings.Quick ? "quick" : phases == BenchmarkPhases.All ? "full" : "only-" + phases.ToString().Replace(", ", "-", StringComparison.Ordinal).ToLowerInvariant(),
            startedAt,
            Stopwatch.GetElapsedTime(started).TotalSeconds,
            Machine(loadAtStart),
            modelInfo,
            settings,
            engine,
            serving,
            multiTurn,
            overhead,
            proxy,
            shared,
            settings.Quick ? [] : Targets(serving, multiTurn, proxy, shared),
            adaptive);
        log.Line($"Done in {report.DurationSeconds:0} s.");
        return report;
    }

    /// <summary>(a), (b) and (c) on the HiPO-1.7B-shape model (or the given one, or in quick mode the scripted one).</summary>
    private static async Task<(List<EngineResult>, List<ServerResult>, List<MultiTurnResult>)> MeasureShapeAsync(
        string model, ModelInfo modelInfo, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var parallel = settings.EngineBatchSizes.Concat(settings.Concurrencies).Concat(settings.DefaultsConcurrencies).Max();
        log.Line($"Model: {modelInfo.Description}, {modelInfo.Path} ({modelInfo.Bytes / 1e6:0} MB)");
        log.Line($"Settings: context {settings.ContextSize}, {parallel} parallel sequences, prompts of " +
            $"{settings.PromptTokens} tokens, {settings.GeneratedTokens} generated tokens per sequence/request, {settings.Waves} or more wave(s) per level (at least {settings.MinSequencesPerLevel} sequences)");
        log.Line($"(a) Raw engine (one BatchedExecutor, B = {string.Join(", ", settings.EngineBatchSizes)}) and " +
            $"(b) server over HTTP (streaming, greedy at {string.Join(", ", settings.Concurrencies)}, defaults at {string.Join(", ", settings.DefaultsConcurrencies)}), wave by wave");
        using var raw = RawEngine.Load(model, settings.ContextSize, parallel);
        await using var server = await InProcessServer.StartAsync(model, settings.ContextSize, parallel, cancellation);
        log.Line($"  server defaults: {server.SamplingDefaults}");
        using var client = new StreamingChatClient(server.BaseAddress, raw.BannedTokens);
        var plan = new ComparisonPlan(
            settings.EngineBatchSizes,
            [new ServerLevels(RequestVariant.Greedy, settings.Concurrencies), new ServerLevels(RequestVariant.Defaults, settings.DefaultsConcurrencies)],
            settings.PromptTokens,
            settings.GeneratedTokens,
            settings.Waves,
            settings.MinSequencesPerLevel);
        var (engine, serving) = await ThroughputComparison.MeasureAsync(raw, server, client, plan, settings.Seed, log, cancellation);
        log.Line($"(c) Multi-turn: turn 1 of {settings.Turn1PromptTokens} prompt tokens, then turn 2 sharing all but its prefill");
        var multiTurn = await MultiTurnLatency.MeasureAsync(server, client, settings, log, cancellation);
        return (engine, serving, multiTurn);
    }

    private static async Task<List<OverheadResult>> MeasureOverheadAsync(string scripted, BenchmarkSettings settings, ProgressLog log, CancellationToken cancellation)
    {
        var levels = settings.OverheadConcurrencies;
        using var raw = RawEngine.Load(scripted, settings.ContextSize, levels.Max());
        await using var server = await InProcessServer.StartAsync(scripted, settings.ContextSize, levels.Max(), cancellation);
        using var client = new StreamingChatClient(server.BaseAddress, raw.BannedTokens);
        var plan = new ComparisonPlan(
            levels, [new ServerLevels(RequestVariant.Greedy, levels)], settings.PromptTokens, settings.OverheadTokens, settings.Waves, settings.MinSequencesPerLevel);
        var (engine, serving) = await ThroughputComparison.MeasureAsync(raw, server, client, plan, settings.Seed, log, cancellation);
        return [.. engine.Zip(serving, (e, s) => new OverheadResult(
            s.Concurrency,
            settings.OverheadTokens,
            e.DecodeTokensPerSecond,
            s.DecodeTokensPerSecond,
            s.DecodeTokensPerSecond / e.DecodeTokensPerSecond,
            1e6 / s.DecodeTokensPerSecond - 1e6 / e.DecodeTokensPerSecond))];
    }

    /// <summary>The issues' targets (3 and 11); each only where its phase ran at the level it names.</summary>
    private static List<TargetResult> Targets(List<ServerResult> serving, List<MultiTurnResult> multiTurn, ProxyReport? proxy, SharedPrefixResult? shared)
    {
        var targets = new List<TargetResult>();
        if (shared is not null)
        {
            var ratio = (double)shared.PrefilledTogether / shared.SharedPlusTails;
            targets.Add(new TargetResult("Shared prefix: prompt tokens prefilled together", "<= one shared prompt + the tails + 10%", ratio, 1.10, ratio <= 1.10));
        }
        AddRatio(serving, RequestVariant.Greedy, 1, 0.95, "1 stream vs engine B=1");
        AddRatio(serving, RequestVariant.Greedy, 8, 0.90, "8 streams vs engine B=8");
        AddRatio(serving, RequestVariant.Defaults, 1, 0.95, "1 stream at defaults vs engine B=1");
        AddRatio(serving, RequestVariant.Defaults, 8, 0.95, "8 streams at defaults vs engine B=8");
        if (multiTurn.Count > 0)
        {
            var ratio = Median(multiTurn.Select(m => m.Ratio));
            targets.Add(new TargetResult("Turn-2 TTFT vs turn 1", "median turn-2 TTFT <= 25% of turn 1's", ratio, 0.25, ratio <= 0.25));
        }
        if (proxy is not null)
        {
            AddRatio(proxy.Server, RequestVariant.Defaults, 1, 0.90, "GPU proxy: 1 stream at defaults vs engine B=1");
            AddRatio(proxy.Server, RequestVariant.Defaults, 8, 0.90, "GPU proxy: 8 streams at defaults vs engine B=8");
            AddRatio(proxy.Server, RequestVariant.Defaults, 32, 0.80, "GPU proxy: 32 streams at defaults vs engine B=32");
            foreach (var result in proxy.Server.Where(s => s.Request == RequestVariant.Defaults.Name && s.HostTime.Steps > 0))
            {
                var perToken = result.HostTime.PerSequenceTokenP50Us;
                targets.Add(new TargetResult($"GPU proxy: loop host time at defaults, {result.Concurrency} stream(s)",
                    "p50 per sequence-token <= 100 µs", perToken, 100, perToken <= 100, "µs"));
            }
        }
        return targets;

        void AddRatio(IEnumerable<ServerResult> results, RequestVariant variant, int concurrency, double threshold, string name)
        {
            if (results.FirstOrDefault(s => s.Request == variant.Name && s.Concurrency == concurrency) is { RatioToEngine: { } ratio })
                targets.Add(new TargetResult(name, $"decode tok/s >= {threshold * 100:0}% of the engine's (greedy)", ratio, threshold, ratio >= threshold));
        }
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

    private static MachineInfo Machine(string? loadAtStart) => new(
        Environment.ProcessorCount,
        CpuName(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        NativeBackend.LoadedLibrary,
        loadAtStart,
        LoadAverage());

    /// <summary>The 1, 5 and 15-minute load averages: on a shared machine they say how much of it the run had.</summary>
    private static string? LoadAverage()
    {
        const string loadAverage = "/proc/loadavg";
        return File.Exists(loadAverage) ? string.Join(' ', File.ReadAllText(loadAverage).Split(' ').Take(3)) : null;
    }

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        var line = File.Exists(cpuInfo) ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?[(line.IndexOf(':') + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
