namespace HiPO.Server.Security;

/// <summary>
/// Paths that need neither a key nor rate-limit budget: health probes (orchestrators carry no key), the API description,
/// and <c>/metrics</c> unless <see cref="SecurityOptions.ProtectMetrics"/>. Everything else is protected, so a new
/// endpoint is never open by accident.
/// </summary>
public static class OpenPaths
{
    private static readonly PathString[] WithoutMetrics = ["/health", "/openapi", "/docs"];
    private static readonly PathString[] WithMetrics = [.. WithoutMetrics, "/metrics"];

    public static IReadOnlyList<PathString> For(SecurityOptions options) => options.ProtectMetrics ? WithoutMetrics : WithMetrics;

    public static bool Contains(PathString path, SecurityOptions options) => For(options).Any(open => path.StartsWithSegments(open));
}
