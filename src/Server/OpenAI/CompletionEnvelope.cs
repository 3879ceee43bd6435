using System.Text.Json.Serialization;

namespace HiPO.Server.OpenAI;

/// <summary>What a streamed chat chunk and a legacy completion (whole or streamed) carry around their choices.</summary>
public abstract record CompletionEnvelope<TChoice>(string Id, long Created, string Model, IReadOnlyList<TChoice> Choices)
{
    public Usage? Usage { get; init; }

    public Timings? Timings { get; init; }

    /// <summary>Written last, where it always stood in this server's objects.</summary>
    [JsonPropertyOrder(1)]
    public string Object => Kind;

    /// <summary>OpenAI's name for this kind of object.</summary>
    protected abstract string Kind { get; }
}
