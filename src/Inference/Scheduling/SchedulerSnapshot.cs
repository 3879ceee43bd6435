namespace HiPO.Inference.Scheduling;

/// <summary>The scheduler's state after its last step, for health checks, metrics, the adaptive thinking policy and tests.</summary>
public sealed record SchedulerSnapshot(
    int RunningRequests,
    int RunningSequences,
    int QueuedRequests,
    int CachedSequences,
    int KvCellsUsed,
    int KvCellsCached,
    int KvCellsTotal,
    TimeSpan OldestQueueWait = default)
{
    public static readonly SchedulerSnapshot Empty = new(0, 0, 0, 0, 0, 0, 0);
}
