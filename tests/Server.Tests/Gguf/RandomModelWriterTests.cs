using System.Security.Cryptography;
using HiPO.Gguf.Qwen3;
using LLama;
using LLama.Batched;
using LLama.Native;

namespace HiPO.Server.Tests.Gguf;

public sealed class RandomModelWriterTests : GgufFileTests
{
    // HiPO-1.7B's vocabulary with a tiny body, so the test writes ~10 MB instead of 1.8 GB.
    private static readonly Qwen3Shape SmallShape = new(
        BlockCount: 2,
        EmbeddingLength: 64,
        HeadCount: 4,
        HeadCountKv: 2,
        HeadDim: 16,
        FeedForwardLength: 128,
        VocabularySize: 151936,
        ContextLength: 1024,
        RopeFreqBase: 1e6f,
        RmsEpsilon: 1e-6f);

    [Fact]
    public void The_vocabulary_is_unique_with_qwen_control_tokens_at_their_real_ids()
    {
        string path = FilePath("random.gguf");

        RandomModelWriter.Write(path, SmallShape);

        GgufFile file = GgufReader.Read(path);
        string[] tokens = (string[])file.Metadata["tokenizer.ggml.tokens"];
        Assert.Equal(151936, tokens.Length);
        Assert.Equal(tokens.Length, tokens.Distinct().Count());
        Assert.Equal("<|endoftext|>", tokens[151643]);
        Assert.Equal("<|im_start|>", tokens[151644]);
        Assert.Equal("<|im_end|>", tokens[151645]);
        Assert.Equal(151645u, file.Metadata["tokenizer.ggml.eos_token_id"]);
        Assert.DoesNotContain(file.Tensors, t => t.Name == "output.weight");
        Assert.All(file.Tensors, t => Assert.Equal(t.Name.EndsWith("norm.weight", StringComparison.Ordinal) ? GgmlType.F32 : GgmlType.Q8_0, t.Type));
        Assert.Equal(1 + (2 * 11) + 1, file.Tensors.Count);
    }

    [Fact]
    public async Task A_small_random_model_loads_and_decodes_finite_logits()
    {
        string path = FilePath("random.gguf");
        RandomModelWriter.Write(path, SmallShape);
        using LLamaWeights weights = LlamaRuntime.Load(path);
        using var executor = new BatchedExecutor(weights, LlamaRuntime.Parameters(path));
        using Conversation conversation = executor.Create();
        conversation.Prompt(executor.Context.Tokenize(LlamaRuntime.DefaultPrompt("Hello"), addBos: false, special: true));

        Assert.Equal(DecodeResult.Ok, await executor.Infer());
        float[] logits = conversation.Sample().ToArray();

        Assert.Equal(151936, logits.Length);
        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
        Assert.True(logits.Max() > logits.Min());

        IReadOnlyList<Generation> generations = await LlamaRuntime.GenerateAsync(weights, [LlamaRuntime.DefaultPrompt("Hello")], 0.6f, maxTokens: 8);
        Assert.InRange(generations[0].TokenCount, 1, 8);
    }

    [Fact]
    public void The_same_seed_writes_the_same_file_and_progress_reaches_one()
    {
        var shape = SmallShape with { VocabularySize = 1024 };
        string first = FilePath("first.gguf"), second = FilePath("second.gguf"), other = FilePath("other.gguf");
        var reports = new List<double>();

        RandomModelWriter.Write(first, shape, seed: 7, progress: new SynchronousProgress(reports.Add));
        RandomModelWriter.Write(second, shape, seed: 7);
        RandomModelWriter.Write(other, shape, seed: 8);

        Assert.Equal(Hash(first), Hash(second));
        Assert.NotEqual(Hash(first), Hash(other));
        Assert.Equal(1, reports[^1]);
        Assert.Equal(reports.Order(), reports);
        string[] tokens = (string[])GgufReader.ReadMetadata(first)["tokenizer.ggml.tokens"];
        Assert.Equal("<|endoftext|>", tokens[1024 - 11]);
    }

    [Fact]
    public void The_hipo_shape_is_qwen3_1_7b()
    {
        Qwen3Shape shape = Qwen3Shape.HiPO1_7B;

        Assert.Equal((28, 2048, 16, 8, 128, 6144, 151936, 32768), (shape.BlockCount, shape.EmbeddingLength, shape.HeadCount,
            shape.HeadCountKv, shape.HeadDim, shape.FeedForwardLength, shape.VocabularySize, shape.ContextLength));
        Assert.Equal(1e6f, shape.RopeFreqBase);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
