using System.Diagnostics;
using System.Threading.Channels;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// Requests between submission and admission: request threads offer them (refused at once when the queue is full), the
/// loop thread takes them in arrival order and expires the ones that waited too long, left, or arrived during shutdown.
/// </summary>
internal sealed class RequestQueue(int maxQueue, int maxParallel, int timeoutSeconds)
{
    private readonly Channel<ActiveRequest> _incoming = Channel.CreateUnbounded<ActiveRequest>();
    private readonly LinkedList<ActiveRequest> _pending = new();
    private int _waiting;

    /// <summary>Requests submitted and not yet admitted (read from any thread).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Queues a request unless the queue (plus the free slots it will fill at once) is full. Any thread.</summary>
    public bool TryOffer(ActiveRequest request, int runningSequences)
    {
        var freeSlots = Math.Max(0, maxParallel - runningSequences);
        if (Interlocked.Increment(ref _waiting) > maxQueue + freeSlots)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }
        _incoming.Writer.TryWrite(request);
        return true;
    }

    // Everything below runs on the loop thread.

    public int Count => _pending.Count;

    public ActiveRequest? First => _pending.First?.Value;

    public void TakeIncoming()
    {
        while (_incoming.Reader.TryRead(out var request))
            _pending.AddLast(request);
    }

    public void RemoveFirst()
    {
        _pending.RemoveFirst();
        Interlocked.Decrement(ref _waiting);
    }

    /// <summary>Refuses the requests whose client left, whose wait expired, or all of them while the server stops.</summary>
    public void Expire(bool stopping)
    {
        var timeout = (long)(timeoutSeconds * Stopwatch.Frequency);
        var now = Stopwatch.GetTimestamp();
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            var request = node.Value;
            Exception? refusal =
                request.Cancellation.IsCancellationRequested ? new OperationCanceledException(request.Cancellation) :
                stopping ? new ServerBusyException("The server is shutting down.", BusyReason.ShuttingDown, TimeSpan.FromSeconds(5)) :
                now - request.EnqueuedAt > timeout ? new ServerBusyException(
                    $"The request waited {timeoutSeconds} s in the queue without a free slot. Retry later.", BusyReason.QueueTimeout, TimeSpan.FromSeconds(2)) :
                null;
            if (refusal is not null)
                Refuse(node, refusal);
            node = next;
        }
    }

    /// <summary>Refuses every waiting request (the loop is ending).</summary>
    public void RefuseAll(Exception refusal)
    {
        TakeIncoming();
        while (_pending.First is { } node)
            Refuse(node, refusal);
    }

    private void Refuse(LinkedListNode<ActiveRequest> node, Exception refusal)
    {
        _pending.Remove(node);
        Interlocked.Decrement(ref _waiting);
        node.Value.DisposeGrammars();
        node.Value.Admitted.TrySetException(refusal);
        node.Value.Updates.Writer.TryComplete();
    }
}
