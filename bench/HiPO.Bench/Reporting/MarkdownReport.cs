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
        Line(md, $"- Machine: {report.Machine.LogicalCores} logical cores, {report.Machine.Cpu}; {report.Machine.Os}; {report.Machine.Runtime}; llama.cpp library {report.Machine.NativeLibrary ?? "(not reported)"}");
        Line(md, $"- Model: {report.Model.Description}, {Path.GetFileName(report.Model.Path)} ({report.Model.Bytes / 1e6:0} MB)");
        Line(md, $"- Settings: context {s.ContextSize}, prompts of {s.PromptTokens} tokens (the generated vocabularies are byte-level), " +
            $"{s.GeneratedTokens} tokens generated per sequence/request, {s.Waves} or more wave(s) per level (at least {s.MinSequencesPerLevel} sequences), engine and server taking turns, " +
            $"temperature {F(s.Temperature, "0.##")}, top_p {F(s.TopP, "0.##")}, think_mode off, control tokens banned; run took {report.DurationSeconds:0} s");
        Line(md);

        Line(md, "### (a) Raw engine: one BatchedExecutor, no HTTP");
        Line(md);
        Line(md, "| B | prompt tokens | prefill s / wave | decode tok/s (aggregate) | per sequence |");
        Line(md, "|--:|--:|--:|--:|--:|");
        foreach (var e in report.Engine)
            Line(md, $"| {e.Sequences} | {e.PromptTokens} | {F(e.PrefillSecondsPerWave, "0.00")} | {F(e.DecodeTokensPerSecond, "0.0")} | {F(e.DecodeTokensPerSecond / e.Sequences, "0.0")} |");
        Line(md);

        Line(md, "### (b) Server over HTTP: streaming chat completions");
        Line(md);
        Line(md, "| concurrency | requests | prompt tokens | prefix-cache KV cells | TTFT p50 / p99 ms | TPOT p50 / p99 ms | ITL p50 / p99 ms | output tok/s | decode tok/s | engine decode tok/s | server / engine |");
        Line(md, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var r in report.Server)
            Line(md, $"| {r.Concurrency} | {r.Requests} | {r.PromptTokens} | {r.PrefixCacheCells} | {Pair(r.Ttft, "0")} | {Pair(r.Tpot, "0.0")} | {Pair(r.Itl, "0.0")} | " +
                $"{F(r.OutputTokensPerSecond, "0.0")} | {F(r.DecodeTokensPerSecond, "0.0")} | {F(r.EngineDecodeTokensPerSecond, "0.0")} | {Percent(r.RatioToEngine)} |");
        Line(md);
        Line(md, "Output tok/s: completion tokens over the waves' whole time (vLLM's measure, prefill included). Decode tok/s: the steady state, " +
            "tokens that arrived while every stream of a wave was generating, over that span (the engine's measure starts after all prefill too).");
        Line(md);

        Line(md, "### (c) Multi-turn: turn 2 reuses turn 1's KV cache");
        Line(md);
        Line(md, "| conversation | turn 1 prompt tokens | turn 1 TTFT ms | turn 2 prompt tokens | turn 2 cached tokens | turn 2 TTFT ms | turn 2 / turn 1 |");
        Line(md, "|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var m in report.MultiTurn)
            Line(md, $"| {m.Conversation} | {m.Turn1PromptTokens} | {F(m.Turn1TtftMs, "0")} | {m.Turn2PromptTokens} | {m.Turn2CachedTokens} | {F(m.Turn2TtftMs, "0")} | {Percent(m.Ratio)} |");
        Line(md);

        Line(md, "### (d) Server overhead per token: scripted model, whose decode costs almost nothing");
        Line(md);
        Line(md, "| concurrency | tokens / request | engine tok/s | server tok/s | server / engine | overhead µs / token |");
        Line(md, "|--:|--:|--:|--:|--:|--:|");
        foreach (var o in report.Overhead)
            Line(md, $"| {o.Concurrency} | {o.TokensPerRequest} | {F(o.EngineTokensPerSecond, "0")} | {F(o.ServerTokensPerSecond, "0")} | {Percent(o.Ratio)} | {F(o.OverheadMicrosecondsPerToken, "0")} |");

        if (report.Targets.Count > 0)
        {
            Line(md);
            Line(md, "### Targets");
            Line(md);
            Line(md, "| target | goal | measured | met |");
            Line(md, "|---|---|--:|:-:|");
            foreach (var t in report.Targets)
                Line(md, $"| {t.Name} | {t.Goal} | {Percent(t.Measured)} | {(t.Met ? "yes" : "**no**")} |");
        }
        return md.ToString();
    }

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');

    private static string Pair(LatencySummary latency, string format) => $"{F(latency.P50Ms, format)} / {F(latency.P99Ms, format)}";

    private static string Percent(double? ratio) => ratio is { } r ? (r * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-";

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
