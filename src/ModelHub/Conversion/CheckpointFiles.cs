using System.Text.Json;
using HiPO.ModelHub.Download;

namespace HiPO.ModelHub.Conversion;

/// <summary>The files of a Hugging Face checkpoint that conversion reads, and how to find its weight shards.</summary>
internal static class CheckpointFiles
{
    public const string Config = "config.json";
    public const string Tokenizer = "tokenizer.json";
    public const string TokenizerConfig = "tokenizer_config.json";
    public const string ChatTemplate = "chat_template.jinja";
    public const string Index = "model.safetensors.index.json";
    public const string GenerationConfig = HfGenerationConfig.FileName;

    /// <summary>Whether a repository listing holds a convertible checkpoint at its root.</summary>
    public static bool IsCheckpoint(IReadOnlyCollection<HubFile> files) =>
        files.Any(f => f.Path == Config) && files.Any(f => f.Path == Tokenizer) && files.Any(IsRootShard);

    /// <summary>The small files to fetch besides the shards; the optional ones only when the repository has them.</summary>
    public static IEnumerable<HubFile> Metadata(IReadOnlyCollection<HubFile> files) =>
        files.Where(f => f.Path is Config or Tokenizer or TokenizerConfig or ChatTemplate or Index or GenerationConfig);

    /// <summary>The shards to fetch when the repository has no index: every .safetensors file at its root.</summary>
    public static IEnumerable<HubFile> RootShards(IReadOnlyCollection<HubFile> files) => files.Where(IsRootShard);

    /// <summary>The shard files an index's weight_map points at.</summary>
    public static IReadOnlyList<string> ShardsOf(JsonDocument index)
    {
        if (!index.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            throw new HubException($"{Index} has no weight_map.");
        }

        string[] shards = [.. map.EnumerateObject().Select(entry => entry.Value.GetString() ?? "").Distinct().Order(StringComparer.Ordinal)];
        string? unsafeName = shards.FirstOrDefault(shard => shard.Length == 0 || Path.GetFileName(shard) != shard || shard is "." or "..");
        return unsafeName is null
            ? shards
            : throw new HubException($"{Index} names the shard '{unsafeName}', which is not a plain file name.");
    }

    /// <summary>Parses one of the checkpoint's JSON files, turning a missing or malformed file into a clear error.</summary>
    public static JsonDocument ReadJson(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            return JsonDocument.Parse(file, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (FileNotFoundException e)
        {
            throw new HubException($"The checkpoint has no {Path.GetFileName(path)} ({path}).", inner: e);
        }
        catch (JsonException e)
        {
            throw new HubException($"{path} is not valid JSON: {e.Message}", inner: e);
        }
    }

    private static bool IsRootShard(HubFile file) =>
        !file.Path.Contains('/', StringComparison.Ordinal) && file.Path.EndsWith(".safetensors", StringComparison.Ordinal);
}
