namespace HiPO.ModelHub;

/// <summary>Getting or converting a model failed for a reason the user can act on; the message says which.</summary>
public sealed class HubException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The hub's HTTP status when it refused a request.</summary>
    public int? StatusCode { get; } = statusCode;
}
