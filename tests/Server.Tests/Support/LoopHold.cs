namespace HiPO.Server.Tests.Support;

/// <summary>
/// Holds the decode loop once, inside a fault hook, as a slow step would, until a request the test sends meanwhile is
/// queued behind it: the next turn of the loop then admits that request at a known point.
/// </summary>
internal sealed class LoopHold(BatchScheduler scheduler) : IDisposable
{
    private readonly ManualResetEventSlim _released = new(false);
    private int _held;

    /// <summary>Called on the loop thread: waits the first time <paramref name="condition"/> holds.</summary>
    public void HoldOnceWhen(bool condition)
    {
        if (condition && Interlocked.Exchange(ref _held, 1) == 0)
            _released.Wait(TimeSpan.FromSeconds(60));
    }

    /// <summary>Releases the loop once a request is waiting in the queue.</summary>
    public async Task ReleaseWhenQueuedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (scheduler.Waiting == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        _released.Set();
    }

    public void Dispose() => _released.Dispose();
}
