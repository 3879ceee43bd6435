namespace HiPO.Inference.Scheduling;

/// <summary>One decode step as the loop spent it: host time outside the decode call, and the sequences it sampled.</summary>
public readonly record struct StepTiming(double HostMicroseconds, double DecodeMicroseconds, int SampledSequences);

/// <summary>The loop's most recent steps (a ring), for the benchmark and diagnostics. Written by the loop thread, read by any.</summary>
internal sealed class StepTimings(int capacity)
{
    private readonly StepTiming[] _ring = new StepTiming[capacity];
    private readonly Lock _gate = new();
    private long _count;

    public void Record(StepTiming timing)
    {
        lock (_gate)
            _ring[_count++ % _ring.Length] = timing;
    }

    public IReadOnlyList<StepTiming> Recent()
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_count, _ring.Length);
            var start = _count - count;
            return [.. Enumerable.Range(0, count).Select(i => _ring[(start + i) % _ring.Length])];
        }
    }

    public void Clear()
    {
        lock (_gate)
            _count = 0;
    }
}
