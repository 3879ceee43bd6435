namespace HiPO.Bench.Reporting;

/// <summary>Mean, median and 99th percentile of a latency in milliseconds, as vLLM's <c>bench serve</c> reports them.</summary>
public sealed record LatencySummary(int Count, double MeanMs, double P50Ms, double P99Ms)
{
    public static LatencySummary Of(IEnumerable<TimeSpan> samples)
    {
        double[] sorted = [.. samples.Select(s => s.TotalMilliseconds).Order()];
        return sorted.Length == 0
            ? new LatencySummary(0, 0, 0, 0)
            : new LatencySummary(sorted.Length, sorted.Average(), Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    /// <summary>Linear interpolation between the closest ranks (numpy's default, which vLLM uses).</summary>
    public static double Percentile(double[] sorted, double fraction)
    {
        var rank = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}
