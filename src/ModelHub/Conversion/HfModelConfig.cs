using System.Text.Json;
using HiPO.Gguf.Qwen3;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// What the converter needs from a checkpoint's <c>config.json</c>: the Qwen3 hyper-parameters, whether
/// the output matrix is tied to the embeddings, and the special token ids it names.
/// </summary>
internal sealed record HfModelConfig(Qwen3Shape Shape, bool TieWordEmbeddings, int? BosTokenId, int? EosTokenId)
{
    public static HfModelConfig Load(string path)
    {
        try
        {
            return Read(path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A value of the wrong kind, e.g. a fraction where a count belongs.
            throw new HubException($"{path} is not in the form this converter reads: {e.Message}", inner: e);
        }
    }

    private static HfModelConfig Read(string path)
    {
        using var json = CheckpointFiles.ReadJson(path);
        var root = json.RootElement;
        string modelType = root.TryGetProperty("model_type", out var type) ? type.GetString() ?? "" : "";
        if (modelType != "qwen3")
        {
            string architectures = root.TryGetProperty("architectures", out var a) ? a.ToString() : "none";
            throw new HubException(
                $"{path}: model_type is '{modelType}' (architectures {architectures}); only Qwen3 checkpoints (HiPO's base) can be converted.");
        }

        if (root.TryGetProperty("attention_bias", out var bias) && bias.ValueKind == JsonValueKind.True)
        {
            throw new HubException($"{path}: attention_bias is true; llama.cpp's qwen3 architecture has no attention biases.");
        }

        RejectRopeScaling(root, path);
        int hidden = Int(root, "hidden_size", path);
        int heads = Int(root, "num_attention_heads", path);
        var shape = new Qwen3Shape(
            BlockCount: Int(root, "num_hidden_layers", path),
            EmbeddingLength: hidden,
            HeadCount: heads,
            HeadCountKv: OptionalInt(root, "num_key_value_heads") ?? heads,
            HeadDim: OptionalInt(root, "head_dim") ?? (heads > 0 ? hidden / heads : 0),
            FeedForwardLength: Int(root, "intermediate_size", path),
            VocabularySize: Int(root, "vocab_size", path),
            ContextLength: Int(root, "max_position_embeddings", path),
            RopeFreqBase: OptionalFloat(root, "rope_theta") ?? RopeParameter(root, "rope_theta") ?? 10000f,
            RmsEpsilon: OptionalFloat(root, "rms_norm_eps") ?? 1e-6f);
        try
        {
            shape.Validate();
        }
        catch (ArgumentException e)
        {
            throw new HubException($"{path}: {e.Message}", inner: e);
        }

        bool tied = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True;
        return new HfModelConfig(shape, tied, OptionalInt(root, "bos_token_id"), FirstInt(root, "eos_token_id"));
    }

    /// <summary>
    /// Long-context scaling (YaRN and the like) changes RoPE in ways this converter does not carry over;
    /// converting anyway would give a model that silently degrades, so refuse.
    /// </summary>
    private static void RejectRopeScaling(JsonElement root, string path)
    {
        string? scaling = root.TryGetProperty("rope_scaling", out var s) && s.ValueKind == JsonValueKind.Object
            ? s.TryGetProperty("rope_type", out var t) || s.TryGetProperty("type", out t) ? t.GetString() : "unknown"
            : null;
        scaling ??= root.TryGetProperty("rope_parameters", out var p) && p.TryGetProperty("rope_type", out var pt) ? pt.GetString() : null;
        if (scaling is not (null or "default"))
        {
            throw new HubException($"{path}: RoPE scaling '{scaling}' is not supported by this converter.");
        }
    }

    private static int Int(JsonElement root, string key, string path) =>
        OptionalInt(root, key) ?? throw new HubException($"{path} has no {key}.");

    private static int? OptionalInt(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    // eos_token_id may be a list; the first is the one a tokenizer appends.
    private static int? FirstInt(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => (int?)v.GetInt32()).FirstOrDefault()
            : OptionalInt(root, key);

    private static float? OptionalFloat(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetSingle() : null;

    // Newer transformers releases move rope_theta into rope_parameters.
    private static float? RopeParameter(JsonElement root, string key) =>
        root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            ? OptionalFloat(parameters, key)
            : null;
}
