using System.Text.Json;
using HiPO.Gguf;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// A checkpoint's recommended sampling (<c>generation_config.json</c>: HiPO and Qwen3 ship temperature 0.6, top_p 0.95,
/// top_k 20), written into the GGUF under llama.cpp's standard <c>general.sampling.*</c> keys so that this server and
/// every other GGUF reader use it as the default.
/// </summary>
internal sealed record HfGenerationConfig(float? Temperature, float? TopP, int? TopK, float? MinP, float? RepetitionPenalty)
{
    public const string FileName = "generation_config.json";

    /// <summary>The file's sampling fields; none when the checkpoint has no such file. <c>do_sample: false</c> means greedy.</summary>
    public static HfGenerationConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return new(null, null, null, null, null);
        using var json = CheckpointFiles.ReadJson(path);
        var root = json.RootElement;
        var greedy = root.TryGetProperty("do_sample", out var sample) && sample.ValueKind == JsonValueKind.False;
        return new(
            greedy ? 0f : Number(root, "temperature"),
            Number(root, "top_p"),
            Number(root, "top_k") is { } k && k >= 0 && k == MathF.Floor(k) ? (int)k : null,
            Number(root, "min_p"),
            Number(root, "repetition_penalty"));
    }

    public void WriteTo(GgufWriter writer)
    {
        if (Temperature is { } temperature)
            writer.AddFloat32(GgufSamplingKeys.TemperatureKey, temperature);
        if (TopK is { } topK)
            writer.AddInt32(GgufSamplingKeys.TopKKey, topK);
        if (TopP is { } topP)
            writer.AddFloat32(GgufSamplingKeys.TopPKey, topP);
        if (MinP is { } minP)
            writer.AddFloat32(GgufSamplingKeys.MinPKey, minP);
        if (RepetitionPenalty is { } penalty)
            writer.AddFloat32(GgufSamplingKeys.RepetitionPenaltyKey, penalty);
    }

    private static float? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetSingle() : null;
}
