namespace HiPO.Inference.Scheduling;

/// <summary>
/// KV cells promised to running requests (each reserves its prompt plus every choice's token budget up front, so a
/// running sequence never runs out of cells) and the slots their sequences take.
/// </summary>
internal sealed class KvLedger(int contextSize, int maxParallel)
{
    private volatile int _runningSequences;

    public int ReservedCells { get; private set; }

    /// <summary>Sequences decoding now (read from any thread for queue admission).</summary>
    public int RunningSequences => _runningSequences;

    public bool HasSlotsFor(int choices) => _runningSequences + choices <= maxParallel;

    /// <summary>Whether <paramref name="reservation"/> more cells fit next to the reserved ones and <paramref name="cachedCells"/> kept by the prefix cache.</summary>
    public bool Fits(int reservation, int cachedCells) => ReservedCells + reservation + cachedCells <= contextSize;

    public void Reserve(ActiveRequest request)
    {
        ReservedCells += request.Reservation;
        _runningSequences += request.Request.Choices;
    }

    public void Release(ActiveRequest request)
    {
        ReservedCells -= request.Reservation;
        _runningSequences -= request.Request.Choices;
    }
}
