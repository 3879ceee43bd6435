using System.Diagnostics;
using System.Numerics.Tensors;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;

namespace HiPO.Bench.Engine;

/// <summary>
/// The ceiling the server is measured against: the same native code with the same settings, driven
/// directly through one <see cref="BatchedExecutor"/>, with no HTTP, no scheduler and no reply parsing.
/// B sequences are prefilled together, then decoded in lockstep, one token each per step.
/// </summary>
public sealed class RawEngine : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly BatchedExecutor _executor;
    private readonly PromptTokenizer _tokenizer;
    private readonly HipoPromptRenderer _renderer = new(new EffectiveReasoning(new ReasoningOptions()));
    private readonly bool[] _banned;

    private RawEngine(LLamaWeights weights, ModelParams parameters)
    {
        _weights = weights;
        _executor = new BatchedExecutor(weights, parameters);
        _tokenizer = new PromptTokenizer(weights);
        BannedTokens = FindBannedTokens(weights.NativeHandle.Vocab);
        _banned = new bool[weights.NativeHandle.Vocab.Count];
        foreach (var id in BannedTokens)
            _banned[id] = true;
    }

    /// <summary>
    /// Control tokens and HiPO's tags. A random-weight model would sample them now and then, ending a reply
    /// early or closing its answer; banning them makes every sequence and request generate exactly its
    /// token budget. Requests to the server ban the same ids through <c>logit_bias</c>; the engine skips them in its argmax.
    /// </summary>
    public IReadOnlyList<int> BannedTokens { get; }

    /// <summary>Loads <paramref name="path"/> with the parameters the server would use for the same settings.</summary>
    public static RawEngine Load(string path, int contextSize, int maxParallel)
    {
        var model = new ModelOptions { Path = path, ContextSize = contextSize };
        var inference = new InferenceOptions { MaxParallel = maxParallel };
        var parameters = HipoEngine.CreateParameters(path, model, inference);
        return new RawEngine(LLamaWeights.LoadFromFile(parameters), parameters);
    }

    /// <summary>The prompt the server builds for these turns with think mode off, token for token.</summary>
    public LLamaToken[] Tokenize(IReadOnlyList<ChatTurn> turns) => _tokenizer.Tokenize(_renderer.Render(turns, ThinkModeRequest.Off));

    /// <summary>
    /// Prefills every prompt, then decodes until each sequence has <paramref name="tokens"/> tokens
    /// (the first comes from the prefill's logits). <paramref name="onTokens"/> is told how many tokens each step sampled.
    /// </summary>
    public async Task<EngineWave> RunWaveAsync(IReadOnlyList<LLamaToken[]> prompts, int tokens, Action<int>? onTokens = null)
    {
        var conversations = prompts.Select(_ => _executor.Create()).ToList();
        try
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < prompts.Count; i++)
                conversations[i].Prompt(prompts[i]);

            // Prompts larger than one batch take several Infer calls, and a sequence can only be sampled
            // right after the call that finished its prompt: sample each as soon as it is ready.
            var next = new LLamaToken?[prompts.Count];
            while (_executor.BatchQueueCount > 0)
            {
                await InferAsync();
                for (var i = 0; i < prompts.Count; i++)
                {
                    if (next[i] is null && conversations[i].RequiresSampling)
                        next[i] = Greedy(conversations[i]);
                }
            }
            onTokens?.Invoke(prompts.Count);

            var decodeStarted = Stopwatch.GetTimestamp();
            for (var step = 1; step < tokens; step++)
            {
                for (var i = 0; i < prompts.Count; i++)
                    conversations[i].Prompt(next[i]!.Value);
                await InferAsync();
                for (var i = 0; i < prompts.Count; i++)
                    next[i] = Greedy(conversations[i]);
                onTokens?.Invoke(prompts.Count);
            }
            var ended = Stopwatch.GetTimestamp();

            return new EngineWave(
                prompts.Count,
                (int)prompts.Average(p => p.Length),
                Stopwatch.GetElapsedTime(started, decodeStarted),
                Stopwatch.GetElapsedTime(decodeStarted, ended),
                prompts.Count * (tokens - 1));
        }
        finally
        {
            foreach (var conversation in conversations)
                conversation.Dispose();
        }
    }

    private async Task InferAsync()
    {
        var result = await _executor.Infer();
        if (result != DecodeResult.Ok)
            throw new InvalidOperationException($"llama_decode failed: {result}");
    }

    /// <summary>
    /// Greedy sampling as the server's own sampler does it for temperature 0: one vectorized argmax over the logits,
    /// the banned tokens left out. LLamaSharp's <c>DefaultSamplingPipeline</c> would build and walk llama.cpp's
    /// candidate array over the whole vocabulary for every token, a cost the server no longer pays.
    /// </summary>
    private LLamaToken Greedy(Conversation conversation)
    {
        ReadOnlySpan<float> logits = conversation.Sample();
        var best = TensorPrimitives.IndexOfMax(logits);
        if (!_banned[best])
            return best;
        // Rare: the best token is a banned one; find the best of the rest.
        best = -1;
        for (var id = 0; id < logits.Length; id++)
        {
            if (!_banned[id] && (best < 0 || logits[id] > logits[best]))
                best = id;
        }
        return best;
    }

    private static int[] FindBannedTokens(SafeLlamaModelHandle.Vocabulary vocab)
    {
        var banned = new List<int>();
        for (var id = 0; id < vocab.Count; id++)
        {
            var token = (LLamaToken)id;
            if (token.IsEndOfGeneration(vocab) || (token.GetAttributes(vocab) & (LLamaTokenAttr.Control | LLamaTokenAttr.UserDefined)) != 0)
                banned.Add(id);
        }
        return [.. banned];
    }

    public void Dispose()
    {
        _executor.Dispose();
        _weights.Dispose();
    }
}
