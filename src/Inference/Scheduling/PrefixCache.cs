using LLama.Batched;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// Finished sequences whose KV cache is kept so that a later prompt sharing their prefix skips that much
/// prefill (least recently used first out). A hit is forked, not taken: the entry stays for the next request that
/// shares it (KV cells are shared between sequences, so a fork costs no cells). Owned by the scheduler's loop thread.
/// </summary>
internal sealed class PrefixCache(int capacity) : IDisposable
{
    internal sealed record Entry(Conversation Conversation, List<LLamaToken> Tokens);

    private readonly LinkedList<Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>
    /// The entries' tokens summed: an upper bound on the KV cells they hold, since entries forked from one another share
    /// their common prefix's cells and each counts them (as <see cref="SchedulerSnapshot.KvCellsUsed"/>, summed per sequence, does).
    /// </summary>
    public int Cells => _entries.Sum(e => e.Tokens.Count);

    public void Add(Conversation conversation, List<LLamaToken> tokens)
    {
        if (capacity == 0 || tokens.Count == 0)
        {
            conversation.Dispose();
            return;
        }
        _entries.AddFirst(new Entry(conversation, tokens));
        while (_entries.Count > capacity)
            EvictOldest();
    }

    /// <summary>The entry sharing the longest prefix with <paramref name="prompt"/>, if at least <paramref name="minimum"/> tokens; it becomes the most recently used.</summary>
    public (Entry Entry, int Shared)? FindLongestPrefix(ReadOnlySpan<LLamaToken> prompt, int minimum)
    {
        LinkedListNode<Entry>? best = null;
        var bestShared = 0;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            var shared = prompt.CommonPrefixLength(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(node.Value.Tokens));
            if (shared > bestShared)
                (best, bestShared) = (node, shared);
        }
        if (best is null || bestShared < minimum)
            return null;
        _entries.Remove(best);
        _entries.AddFirst(best);
        return (best.Value, bestShared);
    }

    public bool EvictOldest()
    {
        if (_entries.Last is not { } last)
            return false;
        _entries.RemoveLast();
        last.Value.Conversation.Dispose();
        return true;
    }

    public void Dispose()
    {
        while (EvictOldest())
        {
        }
    }
}
