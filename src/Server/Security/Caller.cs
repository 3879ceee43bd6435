namespace HiPO.Server.Security;

/// <summary>
/// Who a request is charged to for rate limiting: the API key it authenticated with (by position, never the key itself),
/// or its client IP address when the server has no keys. Behind a reverse proxy every client shares the proxy's address.
/// </summary>
public static class Caller
{
    private static readonly object KeyItem = new();

    public static void Authenticated(HttpContext context, int keyIndex) => context.Items[KeyItem] = $"key:{keyIndex}";

    /// <summary>The API key the request authenticated with (by position), or null when the server has no keys.</summary>
    public static string? Key(HttpContext context) => context.Items.TryGetValue(KeyItem, out var key) ? key as string : null;

    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(KeyItem, out var key) && key is string partition
            ? partition
            : $"ip:{context.Connection.RemoteIpAddress}";
}
