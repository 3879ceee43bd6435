using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace HiPO.Server.Tests.Gguf;

/// <summary>What one sequence generated: its text (special tokens not rendered) and token count.</summary>
internal sealed record Generation(string Text, int TokenCount, bool EndedByModel);

/// <summary>
/// Runs GGUF models through the real llama.cpp runtime (LLamaSharp, CPU), the way the server does:
/// one BatchedExecutor, one Conversation per sequence, prompts tokenized with special tokens parsed.
/// </summary>
internal static class LlamaRuntime
{
    /// <summary>The server's default generation prompt for one user message.</summary>
    public static string DefaultPrompt(string user) =>
        $"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n<judge>\n";

    /// <summary>A forced think-off prefill that ends on the <c>&lt;answer&gt;</c> tag.</summary>
    public static string ForcedOffPrompt(string user) =>
        DefaultPrompt(user) + "</judge>\n\n<think_off>\n<answer>";

    /// <summary>A forced think-on prefill that ends on the <c>&lt;think&gt;</c> tag.</summary>
    public static string ForcedOnPrompt(string user) =>
        DefaultPrompt(user) + "</judge>\n\n<think_on>\n<think>";

    public static LLamaWeights Load(string path) => LLamaWeights.LoadFromFile(Parameters(path));

    public static ModelParams Parameters(string path) => new(path)
    {
        ContextSize = 2048,
        GpuLayerCount = 0,
        BatchSize = 512,
    };

    public static DefaultSamplingPipeline Sampling(float temperature, uint seed) => new()
    {
        Temperature = temperature,
        TopK = 0,
        TopP = 1,
        MinP = 0,
        TypicalP = 1,
        RepeatPenalty = 1,
        Seed = seed,
    };

    public static async Task<Generation> GenerateAsync(string modelPath, string prompt, float temperature, int maxTokens)
    {
        using LLamaWeights weights = Load(modelPath);
        return (await GenerateAsync(weights, [prompt], temperature, maxTokens))[0];
    }

    /// <summary>Generates for all <paramref name="prompts"/> at once, each in its own Conversation.</summary>
    public static async Task<IReadOnlyList<Generation>> GenerateAsync(
        LLamaWeights weights, IReadOnlyList<string> prompts, float temperature, int maxTokens)
    {
        using var executor = new BatchedExecutor(weights, Parameters("unused"));
        var sequences = prompts.Select((prompt, i) => new Sequence(executor, prompt, Sampling(temperature, seed: (uint)(42 + i)))).ToList();
        try
        {
            while (sequences.Any(s => !s.Done))
            {
                DecodeResult result = await executor.Infer();
                Assert.Equal(DecodeResult.Ok, result);
                foreach (Sequence sequence in sequences.Where(s => !s.Done && s.Conversation.RequiresSampling))
                {
                    sequence.Step(weights.Vocab, maxTokens);
                }
            }
        }
        finally
        {
            sequences.ForEach(s => s.Dispose());
        }

        return [.. sequences.Select(s => s.Result)];
    }

    private sealed class Sequence : IDisposable
    {
        private readonly DefaultSamplingPipeline _sampling;
        private readonly StreamingTokenDecoder _decoder;
        private readonly StringBuilder _text = new();
        private int _tokens;
        private bool _endedByModel;

        public Sequence(BatchedExecutor executor, string prompt, DefaultSamplingPipeline sampling)
        {
            _sampling = sampling;
            _decoder = new StreamingTokenDecoder(executor.Context);
            Conversation = executor.Create();
            Conversation.Prompt(executor.Context.Tokenize(prompt, addBos: false, special: true));
        }

        public Conversation Conversation { get; }

        public bool Done { get; private set; }

        public Generation Result => new(_text.ToString(), _tokens, _endedByModel);

        public void Step(SafeLlamaModelHandle.Vocabulary vocab, int maxTokens)
        {
            LLamaToken token = Conversation.Sample(_sampling);
            _tokens++;
            if (token.IsEndOfGeneration(vocab))
            {
                _endedByModel = true;
                Done = true;
                return;
            }

            _decoder.Add(token);
            _text.Append(_decoder.Read());
            if (_tokens >= maxTokens)
            {
                Done = true;
                return;
            }

            Conversation.Prompt(token);
        }

        public void Dispose()
        {
            Conversation.Dispose();
            _sampling.Dispose();
        }
    }
}
