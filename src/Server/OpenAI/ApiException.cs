using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPO.Server.OpenAI;

/// <summary>A request the server refuses, with the HTTP status and OpenAI error fields to answer it with.</summary>
public sealed class ApiException(int status, string message, string type, string? param, string? code, TimeSpan? retryAfter = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ApiException Invalid(string message, string? param, string code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiException Unavailable(string message, string code, TimeSpan retryAfter) =>
        new(StatusCodes.Status503ServiceUnavailable, message, "server_overloaded", null, code, retryAfter);

    /// <summary>A model id this server does not serve (404 <c>model_not_found</c>).</summary>
    public static ApiException ModelNotFound(string requested, string served) => new(StatusCodes.Status404NotFound,
        $"The model '{requested}' does not exist. This server serves '{served}'.", "invalid_request_error", "model", "model_not_found");

    public JsonHttpResult<ErrorResponse> ToResult(HttpContext context)
    {
        if (RetryAfter is { } wait)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Json(new ErrorResponse(new ErrorBody(Message, Type, Param, Code)), OpenAiJsonContext.Default.ErrorResponse, statusCode: Status);
    }
}
