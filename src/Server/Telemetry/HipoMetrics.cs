using System.Diagnostics.Metrics;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.Telemetry;

/// <summary>
/// The server's metrics (meter <c>HiPO.Server</c>), named in the spirit of llama-server's <c>llamacpp:*</c> and
/// vLLM's <c>vllm:*</c>, plus what only this server can report: how often HiPO decides to think, and by whose choice.
/// </summary>
public sealed class HipoMetrics : IDisposable
{
    public const string MeterName = "HiPO.Server";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _promptTokens;
    private readonly Counter<long> _cachedTokens;
    private readonly Counter<long> _generatedTokens;
    private readonly Counter<long> _reasoningTokens;
    // Think-on share per source since start, for the ratio gauge (a counter pair a scraper would otherwise divide).
    private readonly Dictionary<string, (long On, long All)> _thinkOn = [];
    private readonly Lock _thinkOnGate = new();
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _budgetCutoffs;
    private readonly Counter<long> _adaptiveActions;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueWait;

    public HipoMetrics(IMeterFactory meters, HipoEngine engine)
    {
        _meter = meters.Create(MeterName);
        _requests = _meter.CreateCounter<long>("hipo_requests", description: "Requests answered, by endpoint and HTTP status.");
        _promptTokens = _meter.CreateCounter<long>("hipo_prompt_tokens", description: "Prompt tokens processed (cached ones included).");
        _cachedTokens = _meter.CreateCounter<long>("hipo_cached_tokens", description: "Prompt tokens reused from the prefix cache.");
        _generatedTokens = _meter.CreateCounter<long>("hipo_generated_tokens", description: "Tokens generated (judge, reasoning and answer).");
        _reasoningTokens = _meter.CreateCounter<long>("hipo_reasoning_tokens", description: "Generated tokens before the answer (judge, decision, reasoning).");
        _decisions = _meter.CreateCounter<long>("hipo_think_decisions", description: "Replies by final think mode (on, off, undecided) and its source (model, request, server).");
        _budgetCutoffs = _meter.CreateCounter<long>("hipo_reasoning_budget_cutoffs", description: "Replies whose reasoning the server closed at max_reasoning_tokens.");
        _timeToFirstToken = _meter.CreateHistogram<double>("hipo_time_to_first_token_seconds", description: "Time from request arrival to the first generated text.");
        _interTokenLatency = _meter.CreateHistogram<double>("hipo_inter_token_latency_seconds", description: "Time between streamed pieces of one reply.");
        _requestDuration = _meter.CreateHistogram<double>("hipo_request_duration_seconds", description: "End-to-end request latency.");
        _queueWait = _meter.CreateHistogram<double>("hipo_queue_wait_seconds", description: "Time a request waited for a slot.");
        _meter.CreateObservableGauge("hipo_requests_running", () => engine.Snapshot.RunningRequests, description: "Requests being decoded.");
        _meter.CreateObservableGauge("hipo_sequences_running", () => engine.Snapshot.RunningSequences, description: "Sequences (choices) being decoded.");
        _meter.CreateObservableGauge("hipo_requests_waiting", () => engine.Snapshot.QueuedRequests, description: "Requests waiting for a slot (scale on this).");
        _meter.CreateObservableGauge("hipo_kv_cache_usage_ratio", KvUsage, description: "Share of KV cache cells in use, cached prefixes included.");
        _meter.CreateObservableGauge("hipo_kv_cache_cached_ratio", () => Ratio(engine.Snapshot.KvCellsCached, engine.Snapshot.KvCellsTotal), description: "Share of KV cache cells held by cached prefixes.");
        _meter.CreateObservableGauge("hipo_think_on_ratio", ThinkOnRatios, description: "Share of decided replies in think-on mode since start, by source.");
        _adaptiveActions = _meter.CreateCounter<long>("hipo_adaptive_actions", description: "Auto-mode requests whose reasoning the load-adaptive policy capped (cap_reasoning) or turned off (think_off).");
        _meter.CreateObservableGauge("hipo_adaptive_pressure_level", () => (int)engine.Adaptive.Level,
            description: "Load-adaptive thinking level: 0 normal, 1 reasoning capped, 2 think-off.");

        double KvUsage() => Ratio(engine.Snapshot.KvCellsUsed, engine.Snapshot.KvCellsTotal);
    }

    public void Request(string endpoint, int status) =>
        _requests.Add(1, new("endpoint", endpoint), new("status", status));

    public void Tokens(int prompt, int cached, int generated, int reasoning)
    {
        _promptTokens.Add(prompt);
        _cachedTokens.Add(cached);
        _generatedTokens.Add(generated);
        _reasoningTokens.Add(reasoning);
    }

    public void Decision(string? mode, string source, bool budgetCut)
    {
        _decisions.Add(1, new("mode", mode ?? "undecided"), new("source", source));
        if (budgetCut)
            _budgetCutoffs.Add(1, new KeyValuePair<string, object?>("source", source));
        if (mode is null)
            return;
        lock (_thinkOnGate)
        {
            var (on, all) = _thinkOn.GetValueOrDefault(source);
            _thinkOn[source] = (on + (mode == "on" ? 1 : 0), all + 1);
        }
    }

    /// <summary>A reply whose think mode or budget the load-adaptive policy changed.</summary>
    public void AdaptiveAction(PressureLevel action)
    {
        if (action != PressureLevel.Normal)
            _adaptiveActions.Add(1, new KeyValuePair<string, object?>("action", ActionName(action)));
    }

    /// <summary>The load-adaptive policy's action as metrics and the log name it.</summary>
    public static string ActionName(PressureLevel action) => action switch
    {
        PressureLevel.CapReasoning => "cap_reasoning",
        PressureLevel.ThinkOff => "think_off",
        _ => "none",
    };

    public void FirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalSeconds);

    public void InterToken(TimeSpan gap) => _interTokenLatency.Record(gap.TotalSeconds);

    public void Completed(TimeSpan duration, TimeSpan queueWait)
    {
        _requestDuration.Record(duration.TotalSeconds);
        _queueWait.Record(queueWait.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ThinkOnRatios()
    {
        lock (_thinkOnGate)
            return [.. _thinkOn.Select(kv => new Measurement<double>(Ratio(kv.Value.On, kv.Value.All), new KeyValuePair<string, object?>("source", kv.Key)))];
    }

    private static double Ratio(long part, long whole) => whole == 0 ? 0 : (double)part / whole;
}
