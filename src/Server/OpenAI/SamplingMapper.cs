using System.Globalization;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.OpenAI;

/// <summary>
/// Validates the fields every generation endpoint shares (sampling, <c>n</c>, <c>stop</c>, <c>max_tokens</c>) and maps them
/// to the engine's settings, so that chat and legacy completions refuse a bad value with the same 400.
/// </summary>
public sealed class SamplingMapper(HipoEngine engine, InferenceOptions inference)
{
    public const int MaxStopStrings = 4;

    /// <summary>Maps the request's sampling fields; a field left unset takes the model's default (<see cref="HipoEngine.SamplingDefaults"/>).</summary>
    public SamplingSettings Map(ChoicesRequest request)
    {
        var defaults = engine.SamplingDefaults;
        var temperature = InRange(request.Temperature, 0, 2, "temperature") ?? defaults.Temperature;
        if (request.TopP is <= 0 or > 1)
            throw ApiException.Invalid($"top_p must be greater than 0 and at most 1, got {request.TopP}.", "top_p");
        if (request.TopK is < 0)
            throw ApiException.Invalid($"top_k must be 0 (disabled) or more, got {request.TopK}.", "top_k");
        if (request.RepetitionPenalty is <= 0 or > 10)
            throw ApiException.Invalid($"repetition_penalty must be greater than 0 and at most 10, got {request.RepetitionPenalty}.", "repetition_penalty");
        return new SamplingSettings
        {
            Temperature = (float)temperature,
            TopP = (float)(request.TopP ?? defaults.TopP),
            TopK = request.TopK ?? defaults.TopK,
            MinP = (float)(InRange(request.MinP, 0, 1, "min_p") ?? defaults.MinP),
            Seed = request.Seed is { } seed ? unchecked((uint)(seed ^ (seed >> 32))) : null,
            PresencePenalty = (float)(InRange(request.PresencePenalty, -2, 2, "presence_penalty") ?? 0),
            FrequencyPenalty = (float)(InRange(request.FrequencyPenalty, -2, 2, "frequency_penalty") ?? 0),
            RepetitionPenalty = (float)(request.RepetitionPenalty ?? defaults.RepetitionPenalty),
            LogitBias = MapLogitBias(request.LogitBias),
        };
    }

    /// <summary>The number of choices (<c>n</c>), 1 by default.</summary>
    public int Choices(int? n)
    {
        var choices = n ?? 1;
        if (choices < 1 || choices > inference.MaxChoices)
            throw ApiException.Invalid($"n must be between 1 and {inference.MaxChoices}, got {choices}.", "n");
        return choices;
    }

    /// <summary>A token limit sent as <paramref name="param"/>: at least 1 when given.</summary>
    public static int? MaxTokens(int? max, string param) =>
        max is < 1 ? throw ApiException.Invalid($"max_tokens must be at least 1, got {max}.", param) : max;

    /// <summary><c>stop</c>: a string or an array of up to <see cref="MaxStopStrings"/> non-empty strings.</summary>
    public static List<string> Stop(JsonElement? stop)
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

    private static double? InRange(double? value, double min, double max, string param) =>
        value is { } v && (v < min || v > max || double.IsNaN(v))
            ? throw ApiException.Invalid($"{param} must be between {min} and {max}, got {v}.", param)
            : value;
}
