using System.Text.Json.Nodes;

namespace HiPO.Bench.Http;

/// <summary>
/// The sampling fields one kind of request sends, as raw JSON (the table shows exactly what went over the wire);
/// everything it leaves out takes the server's defaults, which come from the model (<c>general.sampling.*</c>) or
/// HiPO's fallback (temperature 0.6, top_p 0.95, top_k 20).
/// </summary>
public sealed record RequestVariant(string Name, string Fields)
{
    /// <summary>What a client that only picks HiPO's recommended temperature sends: top_p, top_k and the rest are the server's.</summary>
    public static RequestVariant Defaults { get; } = new("defaults", """{"temperature":0.6}""");

    /// <summary>Greedy: the server's sampler is one argmax, like the raw engine's.</summary>
    public static RequestVariant Greedy { get; } = new("greedy", """{"temperature":0}""");

    /// <summary>top-k off: the whole vocabulary is a candidate, top_p 0.95 (the default) cuts it.</summary>
    public static RequestVariant TopKOff { get; } = new("top_k 0", """{"temperature":0.6,"top_k":0}""");

    /// <summary>Defaults plus the log-probability of every token and its five best alternatives.</summary>
    public static RequestVariant Logprobs { get; } = new("logprobs", """{"temperature":0.6,"logprobs":true,"top_logprobs":5}""");

    /// <summary>A fresh copy of the fields for one request body (a JSON node belongs to one parent).</summary>
    public JsonObject ToJson() => JsonNode.Parse(Fields)?.AsObject() ?? [];
}
