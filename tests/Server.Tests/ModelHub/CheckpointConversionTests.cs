using HiPO.Inference.Sampling;
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

        // generation_config.json's recommended sampling, under llama.cpp's standard keys.
        Assert.Equal(0.6f, metadata["general.sampling.temp"]);
        Assert.Equal(20, metadata["general.sampling.top_k"]);
        Assert.Equal(0.95f, metadata["general.sampling.top_p"]);
        Assert.False(metadata.ContainsKey("general.sampling.min_p"));

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

    [Fact]
    public async Task The_models_sampling_defaults_apply_to_requests_that_leave_them_unset_and_request_fields_override_them()
    {
        // A checkpoint that recommends greedy decoding (do_sample: false) converts to general.sampling.temp = 0.
        var checkpoint = TinyQwen3Checkpoint.Create(tied: false);
        checkpoint.GenerationConfig = new JsonObject { ["do_sample"] = false, ["top_p"] = 0.9 };
        string converted = await ConvertAsync(checkpoint, "F16");
        await using var server = await RunningServer.StartAsync(converted);
        Assert.Equal(SamplingDefaults.Fallback with { Temperature = 0, TopP = 0.9f }, server.Engine.SamplingDefaults);

        async Task<string> CompleteAsync(object body)
        {
            var response = await server.Http.PostAsJsonAsync("/v1/completions", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["choices"]![0]!["text"]!;
        }

        // Unset temperature: the model's 0, so every seed gives the greedy reply.
        var greedy = await CompleteAsync(new { prompt = "Hello world", max_tokens = 12, temperature = 0 });
        foreach (var seed in new[] { 1, 2, 3 })
            Assert.Equal(greedy, await CompleteAsync(new { prompt = "Hello world", max_tokens = 12, seed }));
        // A request's temperature overrides it: random weights give a flat distribution, so seeds disagree.
        var sampled = await Task.WhenAll(Enumerable.Range(1, 4).Select(seed =>
            CompleteAsync(new { prompt = "Hello world", max_tokens = 12, seed, temperature = 1.0, top_k = 0, top_p = 1.0 })));
        Assert.True(sampled.Distinct().Count() > 1, string.Join(" | ", sampled));
    }

    [Fact]
    public async Task A_model_without_sampling_keys_gets_HiPOs_recommended_defaults_with_a_top_k()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        Assert.Equal(SamplingDefaults.Fallback, server.Engine.SamplingDefaults);
        Assert.Equal(new SamplingDefaults(0.6f, 0.95f, 20, 0f, 1f), SamplingDefaults.Fallback);
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
