using HiPO.Gguf;
using HiPO.Gguf.Qwen3;
using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// Converts a Hugging Face Qwen3 checkpoint folder (config.json, tokenizer files, BF16/F16/F32
/// safetensors) into an F16 GGUF that llama.cpp's qwen3 architecture loads: matrices in F16,
/// norms in F32 (as llama.cpp's converter keeps one-dimensional tensors).
/// </summary>
internal sealed class CheckpointConverter(ILogger logger, IProgress<ModelProgress>? progress)
{
    /// <summary><c>general.file_type</c> for "mostly F16" (llama_ftype).</summary>
    private const uint MostlyF16 = 1;

    public void Convert(string folder, string output, string modelName, CancellationToken ct)
    {
        var config = HfModelConfig.Load(Path.Combine(folder, CheckpointFiles.Config));
        var tokenizer = HfTokenizer.Load(folder, config, logger);
        var sources = LoadTensors(folder);

        var writer = new GgufWriter();
        Qwen3ModelFile.AddHyperParameters(writer, modelName, config.Shape, MostlyF16);
        tokenizer.WriteTo(writer);
        var generation = HfGenerationConfig.Load(folder);
        generation.WriteTo(writer);

        bool separateOutput = !config.TieWordEmbeddings;
        var used = new HashSet<string>(StringComparer.Ordinal);
        long totalBytes = 0;
        foreach (Qwen3Tensor tensor in Qwen3ModelFile.Tensors(config.Shape, separateOutput))
        {
            string sourceName = Qwen3TensorNames.HuggingFaceName(tensor.Name);
            if (!sources.TryGetValue(sourceName, out var source))
            {
                throw new HubException(separateOutput && tensor.Name == "output.weight"
                    ? $"The checkpoint in {folder} has no {sourceName} and config.json does not tie it to the embeddings."
                    : $"The checkpoint in {folder} has no {sourceName} (needed for {tensor.Name}).");
            }

            long[] ggmlShape = [.. source.Shape.Reverse()];
            if (!ggmlShape.SequenceEqual(tensor.Shape))
            {
                throw new HubException(
                    $"{sourceName} has shape [{string.Join(", ", source.Shape)}], but config.json implies [{string.Join(", ", tensor.Shape.Reverse())}].");
            }

            used.Add(sourceName);
            GgmlType type = tensor.Shape.Length == 1 ? GgmlType.F32 : GgmlType.F16;
            totalBytes += TensorEncoding.ByteSize(type, tensor.ValueCount);
            writer.AddTensor(tensor.Name, type, tensor.Shape, data => source.ReadChunks(values =>
            {
                if (type == GgmlType.F32)
                {
                    TensorEncoding.WriteF32(data, values);
                }
                else
                {
                    TensorEncoding.WriteF16(data, values);
                }
            }));
        }

        string[] unknown = [.. sources.Keys.Where(name => !used.Contains(name)
            && !Qwen3TensorNames.IsIgnorable(name)
            && !(name == Qwen3TensorNames.Output && config.TieWordEmbeddings))];
        if (unknown.Length > 0)
        {
            // Dropping weights silently would give a model that loads and talks nonsense.
            throw new HubException($"The checkpoint has tensors a Qwen3 model does not: {string.Join(", ", unknown.Take(5))}{(unknown.Length > 5 ? ", ..." : "")}.");
        }

        logger.LogInformation(
            "Converting {Folder}: qwen3, {Layers} layers, hidden {Hidden}, {Heads}/{KvHeads} heads, vocabulary {Vocabulary}, chat template {Template}, sampling defaults {Sampling}",
            folder, config.Shape.BlockCount, config.Shape.EmbeddingLength, config.Shape.HeadCount, config.Shape.HeadCountKv,
            config.Shape.VocabularySize, tokenizer.ChatTemplate is null ? "absent" : "present", generation);
        var clock = new ProgressClock(progress, ModelStage.Convert, $"{modelName} to F16", totalBytes);
        writer.WriteTo(output, new FractionProgress(fraction => clock.Report((long)(fraction * totalBytes))), ct);
    }

    /// <summary>Every tensor of the checkpoint by name: the shards model.safetensors.index.json lists, else every *.safetensors file.</summary>
    private static Dictionary<string, SafetensorsTensor> LoadTensors(string folder)
    {
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (string shard in ShardPaths(folder))
        {
            foreach (var tensor in SafetensorsFile.Open(shard).Tensors)
            {
                if (!tensors.TryAdd(tensor.Name, tensor))
                {
                    throw new HubException($"Tensor {tensor.Name} appears in both {tensors[tensor.Name].FilePath} and {shard}.");
                }
            }
        }

        return tensors;
    }

    internal static IReadOnlyList<string> ShardPaths(string folder)
    {
        string index = Path.Combine(folder, CheckpointFiles.Index);
        if (File.Exists(index))
        {
            using var json = CheckpointFiles.ReadJson(index);
            return [.. CheckpointFiles.ShardsOf(json).Select(shard => Path.Combine(folder, shard))];
        }

        string[] shards = Directory.GetFiles(folder, "*.safetensors");
        return shards.Length > 0
            ? [.. shards.Order(StringComparer.Ordinal)]
            : throw new HubException($"{folder} has no .safetensors files.");
    }

    private sealed class FractionProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
