using HiPO.Bench;
using HiPO.Bench.Reporting;

namespace HiPO.Server.Tests.Bench;

/// <summary>The benchmark's quick mode: every phase runs end to end with tiny settings (no timing is asserted).</summary>
[Collection(nameof(Operations.ObservabilityTests))]
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task The_quick_benchmark_measures_every_phase_and_renders_its_tables()
    {
        var folder = Directory.CreateTempSubdirectory("hipo-bench-").FullName;
        try
        {
            var report = await BenchmarkRunner.RunAsync(BenchmarkSettings.QuickRun(folder), TextWriter.Null, CancellationToken.None);

            Assert.Equal("quick", report.Mode);
            Assert.NotEmpty(report.Engine);
            Assert.All(report.Engine, e => Assert.True(e.DecodeTokens > 0 && e.DecodeTokensPerSecond > 0));
            Assert.Contains(report.Server, s => s.Request == "greedy");
            Assert.Contains(report.Server, s => s.Request == "defaults");
            Assert.All(report.Server, s => Assert.True(s.CompletionTokens > 0 && s.RatioToEngine > 0));
            Assert.All(report.Server, AssertLoopMeasured);
            Assert.All(report.MultiTurn, m => Assert.True(m.Turn2CachedTokens > 0, "turn 2 did not reuse turn 1's prefix"));
            Assert.NotEmpty(report.Overhead);

            var shared = Assert.IsType<SharedPrefixResult>(report.SharedPrefix);
            Assert.InRange(shared.PrefilledTogether, 1, shared.PromptTokens - 1);
            var proxy = Assert.IsType<ProxyReport>(report.Proxy);
            Assert.Equal(new[] { 1, 2 }, proxy.Engine.Select(e => e.Sequences));
            Assert.All(proxy.Engine, e => Assert.True(e.DecodeTokens > 0 && e.DecodeTokensPerSecond > 0));
            // Every request kind at every level, each generating its full budget (no stream ended early).
            var expected = from level in new[] { 1, 2 } from request in new[] { "defaults", "greedy", "top_k 0", "logprobs" } select (level, request);
            Assert.Equal(expected, proxy.Server.Select(s => (s.Concurrency, s.Request)));
            Assert.All(proxy.Server, s => Assert.Equal(s.Requests * proxy.TokensPerRequest, s.CompletionTokens));
            Assert.All(proxy.Server, s => Assert.True(s.DecodeTokensPerSecond > 0 && s.RatioToEngine > 0));
            Assert.All(proxy.Server, AssertLoopMeasured);
            Assert.Contains("top_k 20", proxy.SamplingDefaults);

            // The load-adaptive burst ran with the policy off and on (no share of changes is asserted: it depends on timing).
            var adaptive = Assert.IsType<AdaptiveThinkingResult>(report.AdaptiveThinking);
            Assert.Equal(adaptive.Requests, adaptive.Off.EndToEnd.Count);
            Assert.Equal(adaptive.Requests, adaptive.On.EndToEnd.Count);
            Assert.Equal(0, adaptive.Off.ChangedShare);
            Assert.Equal(adaptive.Requests * adaptive.FullReplyTokens, adaptive.Off.CompletionTokens);
            Assert.Equal(adaptive.On.Capped + adaptive.On.ThinkOff, adaptive.On.ChangedShare * adaptive.Requests, precision: 6);
            Assert.True(adaptive.On.CompletionTokens <= adaptive.Off.CompletionTokens);

            var table = MarkdownReport.Render(report);
            Assert.Contains("(a) Raw engine", table);
            Assert.Contains("(d) Server overhead", table);
            Assert.Contains("(e) GPU proxy", table);
            Assert.Contains("(g) Load-adaptive thinking", table);
            Assert.Contains("""`{"temperature":0.6}`""", table);
            var json = JsonSerializer.Serialize(report, ReportJsonContext.Default.BenchmarkReport);
            Assert.Contains("\"proxy\":", json);
            Assert.Contains("\"per_sequence_token_p50_us\":", json);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The decode loop's step timings were read for the waves: steps that sampled, and sane (positive, ordered) percentiles.</summary>
    private static void AssertLoopMeasured(ServerResult result)
    {
        var host = result.HostTime;
        Assert.True(host.Steps > 0, $"no decode steps recorded for {result.Request} at {result.Concurrency}");
        Assert.InRange(host.SequencesPerStep, 1, result.Concurrency);
        Assert.True(host.StepP50Us > 0 && host.StepP99Us >= host.StepP50Us);
        Assert.True(host.PerSequenceTokenP50Us > 0 && host.PerSequenceTokenP99Us >= host.PerSequenceTokenP50Us);
        Assert.True(host.PerSequenceTokenP50Us <= host.StepP50Us);
        Assert.True(host.DecodeP50Us > 0);
    }
}
