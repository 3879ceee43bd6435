using System.Globalization;
using System.Text.RegularExpressions;

namespace HiPO.Server.Tests.Support;

/// <summary>Parses the Prometheus text exposition format served at /metrics.</summary>
public sealed partial class PrometheusText(IReadOnlyList<(string Name, Dictionary<string, string> Labels, double Value)> samples)
{
    public IReadOnlyList<(string Name, Dictionary<string, string> Labels, double Value)> Samples { get; } = samples;

    public static async Task<PrometheusText> ReadAsync(RunningServer server)
    {
        var text = await server.Http.GetStringAsync("/metrics");
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success)
                continue;
            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return new PrometheusText(samples);
    }

    /// <summary>The sum of the samples of a metric whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => Samples.Any(s => s.Name == name);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Label();
}
