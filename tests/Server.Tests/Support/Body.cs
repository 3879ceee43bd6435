namespace HiPO.Server.Tests.Support;

/// <summary>Builds JSON request bodies from anonymous objects.</summary>
public static class Body
{
    public static JsonObject Merge(object body, object? extra)
    {
        var merged = JsonSerializer.SerializeToNode(body)!.AsObject();
        if (extra is not null)
            foreach (var (key, value) in JsonSerializer.SerializeToNode(extra)!.AsObject())
                merged[key] = value?.DeepClone();
        return merged;
    }
}
