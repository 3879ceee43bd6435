using HiPO.Gguf;
using HiPO.ModelHub;
using LLama;
using Microsoft.Extensions.Logging.Abstractions;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>
/// Converts a tiny Hugging Face Qwen3 checkpoint with the <c>convert</c> command and checks the result
/// with the real llama.cpp runtime against a GGUF of the same weights written directly.
/// </summary>
public sealed class CheckpointConversionTests : IDisposable
{
    private const string Prompt = "<|im_start|>user\nHello world, is the answer 42?<|im_end|>\n<|im_start|>assistant\n<judge>\n";

    private readonly string _root = Directory.CreateTempSubdirectory("hipo-convert-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Converted_checkpoint_generates_the_same_greedy_tokens_as_the_GGUF_written_directly(bool tied)
    {
        var checkpoint = TinyQwen3Checkpoint.Create(tied);
        string converted = await ConvertAsync(checkpoint, "F16", mergesAsPairs: !tied);
        string direct = Path.Combine(_root, "direct.gguf");
        checkpoint.WriteGgufDirectly(direct);

        var expected = LlamaRuntime.Greedy(direct, Prompt, count: 8);
        var actual = LlamaRuntime.Greedy(converted, Prompt, count: 8);

        Assert.Equal(expected.Prompt, actual.Prompt);
        Assert.Equal(expected.Generated, actual.Generated);
        Assert.Equal(!tied, GgufReader.Read(converted).Tensors.Any(t => t.Name == "output.weight"));
    }

    [Fact]
    public async Task Converted_tokenizer_gives_the_ids_that_tokenizer_json_defines()
    {
        var checkpoint = TinyQwen3Checkpoint.Create(tied: false);
        string converted = await ConvertAsync(checkpoint, "F16");
        string[] texts =
        [
            "Hello world! The quick brown fox jumps over the lazy dog.",
            "It's 2025: we're thinking about 1234 answers, they'll see. IT'S LOUD.",
            "def hello_world():\n    return \"hello\"\n\n\nprint(hello_world())",
            "Café déjà vu, naïve — 你好，世界。 Привет, мир! 🙂",
            "<|im_start|>user\nShould I reason?<|im_end|>\n<|im_start|>assistant\n<judge>\nSimple.\n</judge>\n\n<think_off>\n<answer>\nNo.\n</answer><|im_end|>",
            "   leading spaces,\ttabs and trailing   ",
            "unseen words: zebra quixotic",
        ];

        var parameters = LlamaRuntime.Parameters(converted);
        parameters.VocabOnly = true;
        using var weights = LLamaWeights.LoadFromFile(parameters);
        foreach (string text in texts)
        {
            Assert.Equal(checkpoint.Tokenizer.Encode(text), LlamaRuntime.Tokenize(weights, text));
        }

        // The merges apply: a common phrase takes far fewer tokens than bytes.
        Assert.True(LlamaRuntime.Tokenize(weights, "Hello world").Length <= 3);
    }

    [Fact]
    public async Task Converted_model_carries_the_special_tokens_token_types_and_chat_template()
    {
        var checkpoint = TinyQwen3Checkpoint.Create(tied: false);
        string converted = await ConvertAsync(checkpoint, "F16");

        var metadata = GgufReader.ReadMetadata(converted);
        Assert.Equal("qwen3", metadata["general.architecture"]);
        Assert.Equal("HiPO-tiny", metadata["general.name"]);
        Assert.Equal("gpt2", metadata["tokenizer.ggml.model"]);
        Assert.Equal("qwen2", metadata["tokenizer.ggml.pre"]);
        Assert.Equal((uint)checkpoint.IdOf(TinyQwen3Checkpoint.ImEnd), metadata["tokenizer.ggml.eos_token_id"]);
        Assert.Equal((uint)checkpoint.IdOf(TinyQwen3Checkpoint.EndOfText), metadata["tokenizer.ggml.bos_token_id"]);
        Assert.Equal((uint)checkpoint.IdOf(TinyQwen3Checkpoint.EndOfText), metadata["tokenizer.ggml.padding_token_id"]);
        Assert.Equal(false, metadata["tokenizer.ggml.add_bos_token"]);
        Assert.Equal(TinyQwen3Checkpoint.ChatTemplate, metadata["tokenizer.chat_template"]);

        var types = (int[])metadata["tokenizer.ggml.token_type"];
        Assert.Equal(TinyQwen3Checkpoint.VocabularySize, types.Length);
        Assert.Equal(1, types[checkpoint.Tokenizer.Vocab["Hello"]]);
        Assert.Equal(3, types[checkpoint.IdOf(TinyQwen3Checkpoint.ImEnd)]);
        Assert.Equal(4, types[checkpoint.IdOf("<judge>")]);
        Assert.Equal(5, types[^1]);

        var template = ChatTemplateInspector.InspectModel(converted);
        Assert.Equal("<|im_start|>assistant\n<judge>\n", template.GenerationPrompt);
        Assert.True(template.OpensJudge);
    }

    [Fact]
    public async Task Checkpoint_quantized_to_Q8_0_loads_and_generates()
    {
        var checkpoint = TinyQwen3Checkpoint.Create(tied: false);
        string quantized = await ConvertAsync(checkpoint, "Q8_0");

        var file = GgufReader.Read(quantized);
        Assert.Equal(7u, file.Metadata["general.file_type"]);
        Assert.Equal(GgmlType.Q8_0, file.Tensors.Single(t => t.Name == "blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F32, file.Tensors.Single(t => t.Name == "blk.0.attn_norm.weight").Type);
        var (_, generated) = LlamaRuntime.Greedy(quantized, Prompt, count: 4);
        Assert.Equal(4, generated.Length);
        Assert.All(generated, token => Assert.InRange(token, 0, TinyQwen3Checkpoint.VocabularySize - 1));
    }

    [Fact]
    public async Task Convert_refuses_a_checkpoint_with_a_tensor_Qwen3_does_not_have()
    {
        string folder = Path.Combine(_root, "odd");
        TinyQwen3Checkpoint.Create(tied: false).WriteTo(folder, extraTensor: "model.layers.0.self_attn.q_proj.bias");
        string output = Path.Combine(_root, "odd.gguf");

        int exitCode = await ConvertCommand.RunAsync([folder, "--quant", "F16", "--out", output], Options(), NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData]
    [InlineData("--quant")]
    [InlineData("/nonexistent/checkpoint")]
    [InlineData("one", "two")]
    [InlineData("hf:owner/repo/file.gguf")]
    [InlineData("hf:owner/repo", "--quant", "Q9_X")]
    public async Task Convert_answers_bad_arguments_with_exit_code_1(params string[] args)
    {
        Assert.Equal(1, await ConvertCommand.RunAsync(args, Options(), NullLoggerFactory.Instance, CancellationToken.None));
    }

    private async Task<string> ConvertAsync(TinyQwen3Checkpoint checkpoint, string quantization, bool mergesAsPairs = true)
    {
        string folder = Path.Combine(_root, "HiPO-tiny");
        checkpoint.WriteTo(folder, mergesAsPairs);
        string output = Path.Combine(_root, $"converted-{quantization}.gguf");
        int exitCode = await ConvertCommand.RunAsync([folder, "--quant", quantization, "--out", output], Options(), NullLoggerFactory.Instance, CancellationToken.None);
        Assert.Equal(0, exitCode);
        return output;
    }

    private HubOptions Options() => new() { CacheDirectory = Path.Combine(_root, "cache"), Offline = true };
}
