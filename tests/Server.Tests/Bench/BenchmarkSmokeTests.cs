using HiPO.Bench;
using HiPO.Bench.Reporting;

namespace HiPO.Server.Tests.Bench;

/// <summary>The benchmark's quick mode: every phase runs end to end on the scripted model (no timing is asserted).</summary>
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
            Assert.NotEmpty(report.Server);
            Assert.All(report.Server, s => Assert.True(s.CompletionTokens > 0 && s.RatioToEngine > 0));
            Assert.All(report.MultiTurn, m => Assert.True(m.Turn2CachedTokens > 0, "turn 2 did not reuse turn 1's prefix"));
            Assert.NotEmpty(report.Overhead);
            var table = MarkdownReport.Render(report);
            Assert.Contains("(a) Raw engine", table);
            Assert.Contains("(d) Server overhead", table);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
