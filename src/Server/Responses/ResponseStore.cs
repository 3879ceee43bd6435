using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// Stored responses, bounded by count (oldest out first) and age, each visible only to the API key that created it
/// (<see cref="Security.Caller.Key"/>; everyone shares one space when the server has no keys). Lost on restart.
/// </summary>
public sealed class ResponseStore(ResponseStoreOptions options, TimeProvider clock)
{
    /// <param name="Conversation">The chat messages that led to the response, its own reply last, minus the instructions (which a continuation does not inherit).</param>
    public sealed record Entry(ResponseObject Response, IReadOnlyList<ChatMessageInput> Conversation, string? Owner, long StoredAt);

    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = [];
    private readonly Dictionary<string, string> _responseOfItem = [];
    private readonly LinkedList<Entry> _byAge = new();
    private readonly Lock _lock = new();

    public void Add(ResponseObject response, IReadOnlyList<ChatMessageInput> conversation, string? owner)
    {
        if (options.MaxStored == 0)
            return;
        var entry = new Entry(response, conversation, owner, clock.GetTimestamp());
        lock (_lock)
        {
            RemoveLocked(response.Id);
            _byId[response.Id] = _byAge.AddLast(entry);
            foreach (var item in response.Output)
                _responseOfItem[item.Id] = response.Id;
            while (_byAge.Count > options.MaxStored)
                RemoveLocked(_byAge.First!.Value.Response.Id);
        }
    }

    /// <summary>The entry, or null when it is unknown, expired or another key's.</summary>
    public Entry? Find(string id, string? owner)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var node))
                return null;
            if (clock.GetElapsedTime(node.Value.StoredAt) >= TimeSpan.FromSeconds(options.TtlSeconds))
            {
                RemoveLocked(id);
                return null;
            }
            return node.Value.Owner == owner ? node.Value : null;
        }
    }

    /// <summary>An output item of a stored response (what an <c>item_reference</c> names), or null as for <see cref="Find"/>.</summary>
    public ResponseItem? FindItem(string itemId, string? owner)
    {
        lock (_lock)
            return _responseOfItem.TryGetValue(itemId, out var responseId) ? Find(responseId, owner)?.Response.Output.FirstOrDefault(i => i.Id == itemId) : null;
    }

    public bool Remove(string id, string? owner)
    {
        lock (_lock)
        {
            if (Find(id, owner) is null)
                return false;
            RemoveLocked(id);
            return true;
        }
    }

    private void RemoveLocked(string id)
    {
        if (!_byId.Remove(id, out var node))
            return;
        _byAge.Remove(node);
        foreach (var item in node.Value.Response.Output)
            _responseOfItem.Remove(item.Id);
    }
}
