using System.Globalization;
using System.Text;

namespace HiPO.Bench.Reporting;

/// <summary>The report as markdown tables, ready to paste into the README's Performance section.</summary>
public static class MarkdownReport
{
    public static string Render(BenchmarkReport report)
    {
        var s = report.Settings;
        var md = new StringBuilder();
        Line(md, $"## HiPO.Server benchmark ({report.Mode}), {report.StartedAt:yyyy-MM-dd HH:mm} UTC");
        Line(md);
        Line(md, $"- Machine: {report.Machine.LogicalCores} logical cores, {report.Machine.Cpu}; {report.Machine.Os}; {report.Machine.Runtime}; llama.cpp library {report.Machine.NativeLibrary ?? "(not reported)"}; " +
            $"load average {report.Machine.LoadAtStart ?? "-"} at the start, {report.Machine.LoadAtEnd ?? "-"} at the end");
        if (report.Model is { } model)
            Line(md, $"- Model of (a) to (c): {model.Description}, {Path.GetFileName(model.Path)} ({model.Bytes / 1e6:0} MB)");
        if (report.Engine.Count > 0 || report.Overhead.Count > 0)
            Line(md, $"- Settings of (a) to (d): context {s.ContextSize}, prompts of {s.PromptTokens} tokens (the generated vocabularies are byte-level), " +
                $"{s.GeneratedTokens} tokens generated per sequence/request in (a) and (b), {s.Waves} or more wave(s) per level (at least {s.MinSequencesPerLevel} sequences)");
        Line(md, $"- Engine and server take turns wave by wave; the engine samples greedily (argmax), the server gets the requests named in each table; " +
            $"think_mode off, control tokens banned; run took {report.DurationSeconds:0} s");
        Line(md);

        if (report.Engine.Count > 0)
        {
            Heading(md, "### (a) Raw engine: one BatchedExecutor, no HTTP, greedy");
            EngineTable(md, report.Engine);
        }

        if (report.Server.Count > 0)
        {
            Heading(md, "### (b) Server over HTTP: streaming chat completions");
            Table(md, "| concurrency | request | requests | prompt tokens | prefix-cache KV cells | TTFT p50 / p99 ms | TPOT p50 / p99 ms | ITL p50 / p99 ms | output tok/s | decode tok/s | engine decode tok/s | server / engine | loop host µs / sequence-token p50 / p99 |",
                "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
                report.Server.Select(r => $"| {r.Concurrency} | {r.Request} | {r.Requests} | {r.PromptTokens} | {r.PrefixCacheCells} | {Pair(r.Ttft, "0")} | {Pair(r.Tpot, "0.0")} | {Pair(r.Itl, "0.0")} | " +
                    $"{F(r.OutputTokensPerSecond, "0.0")} | {F(r.DecodeTokensPerSecond, "0.0")} | {F(r.EngineDecodeTokensPerSecond, "0.0")} | {Percent(r.RatioToEngine)} | " +
                    $"{F(r.HostTime.PerSequenceTokenP50Us, "0")} / {F(r.HostTime.PerSequenceTokenP99Us, "0")} |"));
            Line(md);
            Line(md, "Output tok/s: completion tokens over the waves' whole time (vLLM's measure, prefill included). Decode tok/s: the steady state, " +
                "tokens that arrived while every stream of a wave was generating, over that span (the engine's measure starts after all prefill too). " +
                "Server / engine: against the engine's greedy rate at the same B. Requests: " +
                string.Join("; ", report.Server.DistinctBy(r => r.Request).Select(r => $"{r.Request} sends `{r.RequestFields}`")) + ".");
            Line(md);
        }

        if (report.MultiTurn.Count > 0)
        {
            Heading(md, "### (c) Multi-turn: turn 2 reuses turn 1's KV cache");
            Table(md, "| conversation | turn 1 prompt tokens | turn 1 TTFT ms | turn 2 prompt tokens | turn 2 cached tokens | turn 2 TTFT ms | turn 2 / turn 1 |",
                "|--:|--:|--:|--:|--:|--:|--:|",
                report.MultiTurn.Select(m => $"| {m.Conversation} | {m.Turn1PromptTokens} | {F(m.Turn1TtftMs, "0")} | {m.Turn2PromptTokens} | {m.Turn2CachedTokens} | {F(m.Turn2TtftMs, "0")} | {Percent(m.Ratio)} |"));
            Line(md);
        }

        if (report.SharedPrefix is { } shared)
        {
            Heading(md, $"### (f) Shared prefix: {shared.Requests} requests with one long system prompt");
            Table(md, "| arrival | prompt tokens | prefilled | one shared prompt + tails | TTFT p50 / p99 ms |", "|---|--:|--:|--:|--:|",
            [
                $"| together | {shared.PromptTokens} | {shared.PrefilledTogether} | {shared.SharedPlusTails} | {F(shared.TtftTogether.P50Ms, "0")} / {F(shared.TtftTogether.P99Ms, "0")} |",
                $"| one at a time | {shared.PromptTokens} | {shared.PrefilledAlone} | {shared.SharedPlusTails} | {F(shared.TtftAlone.P50Ms, "0")} / {F(shared.TtftAlone.P99Ms, "0")} |",
            ]);
            Line(md);
        }

        if (report.Overhead.Count > 0)
        {
            Heading(md, "### (d) Server overhead per token: scripted model, whose decode costs almost nothing");
            Table(md, "| concurrency | tokens / request | engine tok/s | server tok/s | server / engine | overhead µs / token |", "|--:|--:|--:|--:|--:|--:|",
                report.Overhead.Select(o => $"| {o.Concurrency} | {o.TokensPerRequest} | {F(o.EngineTokensPerSecond, "0")} | {F(o.ServerTokensPerSecond, "0")} | {Percent(o.Ratio)} | {F(o.OverheadMicrosecondsPerToken, "0")} |"));
            Line(md);
        }

        if (report.Proxy is { } proxy)
            ProxySection(md, proxy);

        if (report.AdaptiveThinking is { } adaptive)
            AdaptiveSection(md, adaptive);

        if (report.Targets.Count > 0)
        {
            Heading(md, "### Targets");
            Table(md, "| target | goal | measured | met |", "|---|---|--:|:-:|",
                report.Targets.Select(t => $"| {t.Name} | {t.Goal} | {(t.Unit == "µs" ? F(t.Measured, "0") + " µs" : Percent(t.Measured))} | {(t.Met ? "yes" : "**no**")} |"));
        }
        return md.ToString();
    }

    private static void ProxySection(StringBuilder md, ProxyReport proxy)
    {
        Heading(md, "### (e) GPU proxy: HiPO's vocabulary on tiny layers, the server's own per-token cost exposed");
        Line(md, $"{proxy.Model.Description}, {Path.GetFileName(proxy.Model.Path)} ({proxy.Model.Bytes / 1e6:0} MB); context {proxy.ContextSize}, " +
            $"prompts of {proxy.PromptTokens} tokens, {proxy.TokensPerRequest} tokens per sequence/request. Server defaults for fields a request leaves out: {proxy.SamplingDefaults}.");
        Line(md);
        EngineTable(md, proxy.Engine);
        Table(md, "| streams | request | decode tok/s | engine decode tok/s (greedy) | server / engine | output tok/s | TPOT p50 / p99 ms | loop host µs / step p50 / p99 | loop host µs / sequence-token p50 / p99 | decode µs / step p50 | sequences / step |",
            "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            proxy.Server.Select(r => $"| {r.Concurrency} | {r.Request} | {F(r.DecodeTokensPerSecond, "0")} | {F(r.EngineDecodeTokensPerSecond, "0")} | {Percent(r.RatioToEngine)} | " +
                $"{F(r.OutputTokensPerSecond, "0")} | {Pair(r.Tpot, "0.00")} | {F(r.HostTime.StepP50Us, "0")} / {F(r.HostTime.StepP99Us, "0")} | " +
                $"{F(r.HostTime.PerSequenceTokenP50Us, "0")} / {F(r.HostTime.PerSequenceTokenP99Us, "0")} | {F(r.HostTime.DecodeP50Us, "0")} | {F(r.HostTime.SequencesPerStep, "0.0")} |"));
        Line(md);
        Line(md, "Requests: " + string.Join("; ", proxy.Server.DistinctBy(r => r.Request).Select(r => $"{r.Request} sends `{r.RequestFields}`")) +
            ". Loop host time: the decode loop thread's time per step outside the native decode call (planning, sampling, parsing, publishing), " +
            "over the steps that sampled; per sequence-token divides each step's by the sequences it sampled.");
        Line(md);
    }

    private static void AdaptiveSection(StringBuilder md, AdaptiveThinkingResult adaptive)
    {
        Heading(md, $"### (g) Load-adaptive thinking: a burst of {adaptive.Requests} auto-mode requests, {adaptive.MaxParallel} decoded at once");
        Line(md, $"One request every {F(adaptive.ArrivalIntervalMs, "0")} ms on a scripted model whose auto-mode reply thinks for {adaptive.FullReplyTokens} tokens; " +
            $"policy `{adaptive.PolicySettings}`.");
        Line(md);
        Table(md, "| policy | e2e p50 / p99 ms | changed | capped | think-off | tokens generated | burst s |", "|---|--:|--:|--:|--:|--:|--:|",
            new[] { ("off", adaptive.Off), ("on", adaptive.On) }.Select(r =>
                $"| {r.Item1} | {Pair(r.Item2.EndToEnd, "0")} | {Percent(r.Item2.ChangedShare)} | {r.Item2.Capped} | {r.Item2.ThinkOff} | {r.Item2.CompletionTokens} | {F(r.Item2.WallSeconds, "0.0")} |"));
        Line(md);
        Line(md, $"On / off: p50 {Percent(adaptive.P50Ratio)}, p99 {Percent(adaptive.P99Ratio)}, tokens generated {Percent(adaptive.TokensRatio)}.");
        Line(md);
    }

    private static void EngineTable(StringBuilder md, IReadOnlyList<EngineResult> engine)
    {
        Table(md, "| B | prompt tokens | prefill s / wave | decode tok/s (aggregate) | per sequence |", "|--:|--:|--:|--:|--:|",
            engine.Select(e => $"| {e.Sequences} | {e.PromptTokens} | {F(e.PrefillSecondsPerWave, "0.00")} | {F(e.DecodeTokensPerSecond, "0.0")} | {F(e.DecodeTokensPerSecond / e.Sequences, "0.0")} |"));
        Line(md);
    }

    private static void Heading(StringBuilder md, string heading)
    {
        Line(md, heading);
        Line(md);
    }

    private static void Table(StringBuilder md, string header, string alignment, IEnumerable<string> rows)
    {
        Line(md, header);
        Line(md, alignment);
        foreach (var row in rows)
            Line(md, row);
    }

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');

    private static string Pair(LatencySummary latency, string format) => $"{F(latency.P50Ms, format)} / {F(latency.P99Ms, format)}";

    private static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-";

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
