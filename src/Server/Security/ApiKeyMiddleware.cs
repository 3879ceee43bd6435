using HiPO.Server.OpenAI;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>
/// Requires <c>Authorization: Bearer KEY</c> on every path outside <see cref="OpenPaths"/> once keys are configured, and answers
/// 401 with OpenAI's error body otherwise. Only Bearer is read, as OpenAI's API does: one way to send a key, and no key in
/// a query string that access logs would record. Nothing logged here contains a key.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyRing keys, IOptions<SecurityOptions> options, ILogger<ApiKeyMiddleware> logger)
{
    private const string Scheme = "Bearer ";

    public Task InvokeAsync(HttpContext context)
    {
        if (keys.IsEmpty || OpenPaths.Contains(context.Request.Path, options.Value))
            return next(context);

        var presented = BearerToken(context.Request.Headers.Authorization);
        if (presented is null)
        {
            logger.LogDebug("Refused {Method} {Path}: no API key", context.Request.Method, context.Request.Path);
            return RefuseAsync(context, "Bearer", "You didn't provide an API key. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).");
        }
        if (keys.Match(presented) is not { } index)
        {
            logger.LogDebug("Refused {Method} {Path}: incorrect API key", context.Request.Method, context.Request.Path);
            return RefuseAsync(context, "Bearer error=\"invalid_token\"", "Incorrect API key provided.");
        }
        Caller.Authenticated(context, index);
        return next(context);
    }

    private static string? BearerToken(string? header) =>
        header is not null && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header[Scheme.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;

    private static Task RefuseAsync(HttpContext context, string challenge, string message)
    {
        context.Response.Headers.WWWAuthenticate = challenge;
        return new ApiException(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key")
            .ToResult(context).ExecuteAsync(context);
    }
}
