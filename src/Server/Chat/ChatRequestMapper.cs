using System.Globalization;
using System.Text;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>A validated chat request: what to generate and how to shape the response.</summary>
public sealed record ChatPlan(GenerationRequest Generation, bool Stream, bool IncludeUsage, bool IncludeReasoning, string ThinkModeSource, bool Logprobs);

/// <summary>
/// Translates an OpenAI chat request into the engine's <see cref="GenerationRequest"/> at the edge, as Ollama does,
/// validating every field so that a bad value is refused with a 400 naming it instead of reaching the engine.
/// </summary>
public sealed class ChatRequestMapper(HipoEngine engine, ModelOptions model, InferenceOptions inference)
{
    public const int MaxStopStrings = 4;
    public const int MaxTopLogprobs = 20;

    public ChatPlan Map(ChatCompletionRequest request)
    {
        try
        {
            return MapValidated(request);
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            // JsonElement fields are transcoded only when read, so invalid UTF-8 inside them surfaces here.
            throw ApiException.Invalid("The request body is not valid UTF-8.", null, "invalid_encoding");
        }
    }

    private ChatPlan MapValidated(ChatCompletionRequest request)
    {
        CheckModel(request.Model);
        var turns = MapMessages(request.Messages);
        var asked = ThinkModeResolver.Resolve(request);
        var mode = asked ?? ThinkModeResolver.Parse(engine.Reasoning.DefaultMode);
        var source = mode == ThinkModeRequest.Auto ? "model" : asked is null ? "server" : "request";

        var n = request.N ?? 1;
        if (n < 1 || n > inference.MaxChoices)
            throw ApiException.Invalid($"n must be between 1 and {inference.MaxChoices}, got {n}.", "n");
        if (request.MaxReasoningTokens is < 1)
            throw ApiException.Invalid($"max_reasoning_tokens must be at least 1, got {request.MaxReasoningTokens}.", "max_reasoning_tokens");
        if (request.TopLogprobs is { } top && (top < 0 || top > MaxTopLogprobs))
            throw ApiException.Invalid($"top_logprobs must be between 0 and {MaxTopLogprobs}, got {top}.", "top_logprobs");
        if (request.TopLogprobs is not null && request.Logprobs != true)
            throw ApiException.Invalid("top_logprobs requires logprobs to be true.", "top_logprobs");
        if (request.StreamOptions is not null && request.Stream != true)
            throw ApiException.Invalid("stream_options is only allowed when stream is true.", "stream_options");
        RefuseUnsupported(request);

        var generation = new GenerationRequest
        {
            Prompt = engine.Renderer.Render(turns, mode),
            Sampling = MapSampling(request),
            MaxTokens = MapMaxTokens(request),
            Stop = MapStop(request.Stop),
            MaxReasoningTokens = request.MaxReasoningTokens ?? engine.Reasoning.DefaultMaxReasoningTokens,
            Choices = n,
            TopLogprobs = request.Logprobs == true ? request.TopLogprobs ?? 0 : null,
        };
        return new ChatPlan(generation, request.Stream == true, request.StreamOptions?.IncludeUsage == true,
            request.IncludeReasoning != false, source, request.Logprobs == true);
    }

    /// <summary>Refuses model ids this server does not serve (404), unless configured to accept any.</summary>
    public void CheckModel(string? requested)
    {
        if (requested is null || model.AcceptAnyModelId || requested == engine.ModelId || model.Aliases.Contains(requested))
            return;
        throw new ApiException(StatusCodes.Status404NotFound,
            $"The model '{requested}' does not exist. This server serves '{engine.ModelId}'.", "invalid_request_error", "model", "model_not_found");
    }

    private static List<ChatTurn> MapMessages(List<ChatMessageInput>? messages)
    {
        if (messages is null)
            throw ApiException.Invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        if (messages.Count == 0)
            throw ApiException.Invalid("'messages' must contain at least one message.", "messages", "empty_array");
        var turns = new List<ChatTurn>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw ApiException.Invalid($"messages[{i}] must be an object.", $"messages[{i}]", "invalid_type");
            var role = message.Role switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                null => throw ApiException.Invalid($"Missing required parameter: 'messages[{i}].role'.", $"messages[{i}].role", "missing_required_parameter"),
                var other => throw ApiException.Invalid(
                    $"Invalid value: '{other}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.", $"messages[{i}].role"),
            };
            var content = ContentText(message.Content, $"messages[{i}].content", allowNull: role == ChatRole.Assistant);
            turns.Add(new ChatTurn(role, content));
        }
        return turns;
    }

    private static string ContentText(JsonElement? content, string param, bool allowNull)
    {
        switch (content?.ValueKind)
        {
            case JsonValueKind.String:
                return content.Value.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                var index = 0;
                foreach (var part in content.Value.EnumerateArray())
                {
                    var at = $"{param}[{index++}]";
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                        throw ApiException.Invalid($"{at} must be an object with a 'type'.", at, "invalid_type");
                    if (type.GetString() != "text")
                        throw ApiException.Invalid($"Unsupported content part type '{type.GetString()}' in {at}: this model accepts text only.", $"{at}.type", "unsupported_content_type");
                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                        throw ApiException.Invalid($"{at}.text must be a string.", $"{at}.text", "invalid_type");
                    text.Append(partText.GetString());
                }
                return text.ToString();
            case null or JsonValueKind.Null when allowNull:
                return "";
            case null or JsonValueKind.Null:
                throw ApiException.Invalid($"Missing required parameter: '{param}'.", param, "missing_required_parameter");
            default:
                throw ApiException.Invalid($"{param} must be a string or an array of text parts.", param, "invalid_type");
        }
    }

    private SamplingSettings MapSampling(ChatCompletionRequest request)
    {
        var temperature = InRange(request.Temperature, 0, 2, "temperature") ?? 0.6;
        if (request.TopP is <= 0 or > 1)
            throw ApiException.Invalid($"top_p must be greater than 0 and at most 1, got {request.TopP}.", "top_p");
        if (request.TopK is < 0)
            throw ApiException.Invalid($"top_k must be 0 (disabled) or more, got {request.TopK}.", "top_k");
        if (request.RepetitionPenalty is <= 0 or > 10)
            throw ApiException.Invalid($"repetition_penalty must be greater than 0 and at most 10, got {request.RepetitionPenalty}.", "repetition_penalty");
        return new SamplingSettings
        {
            Temperature = (float)temperature,
            TopP = (float)(request.TopP ?? 0.95),
            TopK = request.TopK ?? 0,
            MinP = (float)(InRange(request.MinP, 0, 1, "min_p") ?? 0),
            Seed = request.Seed is { } seed ? unchecked((uint)(seed ^ (seed >> 32))) : null,
            PresencePenalty = (float)(InRange(request.PresencePenalty, -2, 2, "presence_penalty") ?? 0),
            FrequencyPenalty = (float)(InRange(request.FrequencyPenalty, -2, 2, "frequency_penalty") ?? 0),
            RepetitionPenalty = (float)(request.RepetitionPenalty ?? 1),
            LogitBias = MapLogitBias(request.LogitBias),
        };
    }

    private Dictionary<int, float> MapLogitBias(Dictionary<string, double>? bias)
    {
        var mapped = new Dictionary<int, float>();
        foreach (var (key, value) in bias ?? [])
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var token) || token >= engine.VocabularySize)
                throw ApiException.Invalid($"logit_bias key '{key}' is not a token id of this model (0 to {engine.VocabularySize - 1}).", "logit_bias");
            if (value is < -100 or > 100)
                throw ApiException.Invalid($"logit_bias values must be between -100 and 100, got {value} for token {token}.", "logit_bias");
            // As in OpenAI's API, -100 bans the token outright.
            mapped[token] = value <= -100 ? float.NegativeInfinity : (float)value;
        }
        return mapped;
    }

    private static int? MapMaxTokens(ChatCompletionRequest request)
    {
        if (request.MaxTokens is { } a && request.MaxCompletionTokens is { } b && a != b)
            throw ApiException.Invalid("max_tokens and max_completion_tokens disagree; send only max_completion_tokens.", "max_tokens");
        var max = request.MaxCompletionTokens ?? request.MaxTokens;
        if (max is < 1)
            throw ApiException.Invalid($"max_tokens must be at least 1, got {max}.", request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens");
        return max;
    }

    private static List<string> MapStop(JsonElement? stop)
    {
        switch (stop?.ValueKind)
        {
            case null or JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return NonEmpty([stop.Value.GetString()!]);
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in stop.Value.EnumerateArray())
                    list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw ApiException.Invalid("stop must be a string or an array of strings.", "stop", "invalid_type"));
                if (list.Count > MaxStopStrings)
                    throw ApiException.Invalid($"stop may hold at most {MaxStopStrings} strings, got {list.Count}.", "stop");
                return NonEmpty(list);
            default:
                throw ApiException.Invalid("stop must be a string or an array of strings.", "stop", "invalid_type");
        }

        static List<string> NonEmpty(List<string> stops) =>
            stops.Any(s => s.Length == 0) ? throw ApiException.Invalid("stop strings must not be empty.", "stop") : stops;
    }

    private static void RefuseUnsupported(ChatCompletionRequest request)
    {
        if (request.ResponseFormat is { ValueKind: JsonValueKind.Object } format &&
            format.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "text")
            throw ApiException.Invalid($"response_format type '{type.GetString()}' is not supported by this server yet.", "response_format.type", "unsupported_value");
        if (request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
            throw ApiException.Invalid("tools are not supported by this server yet.", "tools", "unsupported_value");
    }

    private static double? InRange(double? value, double min, double max, string param) =>
        value is { } v && (v < min || v > max || double.IsNaN(v))
            ? throw ApiException.Invalid($"{param} must be between {min} and {max}, got {v}.", param)
            : value;
}
