using System.Diagnostics;

namespace HiPO.Bench;

/// <summary>
/// The run's console narration: one line per event, and for long loops a token count at most every
/// <see cref="Interval"/>, so a ten-minute run shows it is alive without flooding the log.
/// </summary>
public sealed class ProgressLog(TextWriter writer)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();

    public void Line(string text)
    {
        lock (_gate)
            writer.WriteLine(text);
    }

    /// <summary>Counts tokens towards <paramref name="total"/>; safe to call from concurrent streams.</summary>
    public Counter Count(string label, int total) => new(this, label, total);

    public sealed class Counter(ProgressLog log, string label, int total)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _lastPrinted = Stopwatch.GetTimestamp();
        private int _done;

        public void Add(int tokens)
        {
            var done = Interlocked.Add(ref _done, tokens);
            var now = Stopwatch.GetTimestamp();
            var last = Interlocked.Read(ref _lastPrinted);
            if (Stopwatch.GetElapsedTime(last, now) >= Interval && Interlocked.CompareExchange(ref _lastPrinted, now, last) == last)
                log.Line($"    {label}: {done}/{total} tokens after {Stopwatch.GetElapsedTime(_started, now).TotalSeconds:0} s");
        }
    }
}
