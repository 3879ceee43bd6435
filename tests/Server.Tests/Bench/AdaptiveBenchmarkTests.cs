using HiPO.Bench;
using HiPO.Bench.Reporting;

namespace HiPO.Server.Tests.Bench;

/// <summary>The benchmark's load-adaptive thinking phase in quick mode (no timing, and no share of changes, is asserted).</summary>
[Collection(nameof(Operations.ObservabilityTests))]
public sealed class AdaptiveBenchmarkTests
{
    [Fact]
    public async Task The_adaptive_phase_runs_the_burst_with_the_policy_off_and_on_and_reports_it()
    {
        var folder = Directory.CreateTempSubdirectory("hipo-bench-").FullName;
        try
        {
            var settings = BenchmarkSettings.QuickRun(folder) with { Phases = BenchmarkPhases.Adaptive };
            var report = await BenchmarkRunner.RunAsync(settings, TextWriter.Null, CancellationToken.None);

            var adaptive = Assert.IsType<AdaptiveThinkingResult>(report.AdaptiveThinking);
            Assert.Equal(adaptive.Requests, adaptive.Off.EndToEnd.Count);
            Assert.Equal(adaptive.Requests, adaptive.On.EndToEnd.Count);
            Assert.Equal(0, adaptive.Off.ChangedShare);
            Assert.Equal(adaptive.Requests * adaptive.FullReplyTokens, adaptive.Off.CompletionTokens);
            Assert.Equal(adaptive.On.Capped + adaptive.On.ThinkOff, adaptive.On.ChangedShare * adaptive.Requests, precision: 6);
            Assert.True(adaptive.On.CompletionTokens <= adaptive.Off.CompletionTokens);
            Assert.Contains("(g) Load-adaptive thinking", MarkdownReport.Render(report));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
