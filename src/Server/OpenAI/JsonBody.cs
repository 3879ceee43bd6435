using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HiPO.Server.OpenAI;

/// <summary>Reads a JSON request body strictly, turning every way it can be wrong into a 400 (or 413) that names the field.</summary>
public static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellation) where T : class
    {
        if (request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be application/json, not '{contentType}'.", "invalid_request_error", null, "unsupported_media_type");
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, cancellation).ConfigureAwait(false)
                ?? throw ApiException.Invalid("The request body must be a JSON object, not null.", null, "invalid_json");
        }
        catch (JsonException e)
        {
            // STJ reports a wrong type as "could not be converted" with the path of the field; anything else is broken JSON.
            var param = ParamOf(e.Path);
            if (e.Message.Contains("could not be converted", StringComparison.Ordinal))
                throw ApiException.Invalid($"Invalid type for '{param ?? "body"}': {Describe(e)}", param, "invalid_type");
            throw ApiException.Invalid($"The request body is not valid JSON: {Describe(e)}", null, "invalid_json");
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw ApiException.Invalid("The request body is not valid UTF-8.", null, "invalid_encoding");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", "invalid_request_error", null, "request_too_large");
        }
    }

    /// <summary>Turns a JSON path such as <c>$.messages[0].content</c> into OpenAI's param form <c>messages[0].content</c>.</summary>
    private static string? ParamOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
