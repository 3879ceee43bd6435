using System.Globalization;
using static HiPO.Gguf.GgufSamplingKeys;

namespace HiPO.Inference.Sampling;

/// <summary>
/// What a request that does not set a sampling field gets. The checkpoint's recommendation travels in the GGUF under
/// llama.cpp's standard keys (<c>general.sampling.temp</c>, <c>.top_k</c>, <c>.top_p</c>, <c>.min_p</c>,
/// <c>.penalty_repeat</c>), written by <c>convert</c> from <c>generation_config.json</c>; a key the file lacks falls back
/// to HiPO's own <c>generation_config.json</c> (temperature 0.6, top_p 0.95, top_k 20), which keeps a top-k so that
/// sampling never works over the whole vocabulary by default.
/// </summary>
public sealed record SamplingDefaults(float Temperature, float TopP, int TopK, float MinP, float RepetitionPenalty)
{
    public static SamplingDefaults Fallback { get; } = new(0.6f, 0.95f, 20, 0f, 1f);

    /// <summary>The defaults a model's metadata gives, with the keys that were found (empty when none: all fallback).</summary>
    public static (SamplingDefaults Defaults, IReadOnlyList<string> FromModel) FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        var found = new List<string>();
        var fallback = Fallback;
        var defaults = new SamplingDefaults(
            Read(TemperatureKey, fallback.Temperature, v => v >= 0),
            Read(TopPKey, fallback.TopP, v => v is > 0 and <= 1),
            (int)Read(TopKKey, fallback.TopK, v => v >= 0 && v == Math.Floor(v)),
            Read(MinPKey, fallback.MinP, v => v is >= 0 and <= 1),
            Read(RepetitionPenaltyKey, fallback.RepetitionPenalty, v => v > 0));
        return (defaults, found);

        float Read(string key, float otherwise, Func<float, bool> valid)
        {
            if (!metadata.TryGetValue(key, out var text) ||
                !float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !valid(value))
                return otherwise;
            found.Add(key);
            return value;
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"temperature {Temperature}, top_p {TopP}, top_k {TopK}, min_p {MinP}, repetition_penalty {RepetitionPenalty}");
}
