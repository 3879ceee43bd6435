using System.ComponentModel.DataAnnotations;

namespace HiPO.Server.Responses;

/// <summary>The in-memory store behind <c>store</c>, <c>previous_response_id</c> and <c>GET/DELETE /v1/responses/{id}</c> (configuration section <c>Responses</c>).</summary>
public sealed class ResponseStoreOptions
{
    public const string Section = "Responses";

    /// <summary>Most responses kept; the oldest is dropped first.</summary>
    [Range(0, 1_000_000)]
    public int MaxStored { get; set; } = 1000;

    /// <summary>How long a stored response can be retrieved or continued.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int TtlSeconds { get; set; } = 3600;
}
