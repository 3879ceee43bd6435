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
            var body = await ReadBytesAsync(request, cancellation).ConfigureAwait(false);
            CheckStrings(body);
            return JsonSerializer.Deserialize(body, type)
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

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellation).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>
    /// Decodes every string and property name once, up front: fields kept as <see cref="JsonElement"/> are otherwise decoded
    /// only when a mapper reads them, so invalid UTF-8 or an unpaired surrogate escape (<c>"\ud800"</c>) deep inside one would
    /// surface as an unexpected exception there. Malformed JSON is left to the deserializer, whose error names the field.
    /// </summary>
    private static void CheckStrings(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                    reader.GetString();
        }
        catch (JsonException)
        {
            // Malformed JSON: the deserializer reports it below, with the path of the field.
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw ApiException.Invalid("The request body is not valid UTF-8.", null, "invalid_encoding");
        }
        catch (InvalidOperationException)
        {
            throw ApiException.Invalid("The request body holds a string with an unpaired UTF-16 surrogate escape.", null, "invalid_encoding");
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
