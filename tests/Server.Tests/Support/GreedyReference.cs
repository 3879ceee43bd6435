using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;

namespace HiPO.Server.Tests.Support;

/// <summary>
/// What a model writes for one prompt decoded alone: greedy (argmax) tokens, and at each step the lead of the chosen
/// token over the runner-up in logits, which tells a rounding difference from a wrong result when a batched reply differs.
/// </summary>
public sealed record ReferenceReply(int[] Tokens, int[] RunnersUp, float[] Margins)
{
    /// <summary>The reply's text: each token the model writes is one letter.</summary>
    public string Text => string.Concat(Tokens.Select(t => (char)t));

    /// <summary>
    /// Asserts that <paramref name="text"/> (a reply of <see cref="AttentionModel"/>, one letter per token) is this reply,
    /// token for token. Replies computed in other batch shapes may round differently (other matrix tiles, the same
    /// KV values in other cells of a shared cache), and rounding can flip a near tie: so a reply may leave this one only
    /// where the runner-up was within <see cref="AttentionModel.NumericNoise"/> logits of the top token, and only to
    /// that runner-up. What follows such a flip is another reply and is not compared.
    /// </summary>
    public void AssertMatches(string text, string label)
    {
        Assert.True(text.All(c => AttentionModel.CanWrite(c)), $"{label}: '{text}' holds a character the model cannot write.");
        int[] tokens = [.. text.Select(c => (int)c)];
        var same = Tokens.AsSpan().CommonPrefixLength(tokens);
        if (same == Tokens.Length && same == tokens.Length)
            return;
        Assert.True(same < Tokens.Length && same < tokens.Length,
            $"{label}: the reply has {tokens.Length} tokens, alone it has {Tokens.Length}: '{text}' vs '{Text}'.");
        Assert.True(Margins[same] < AttentionModel.NumericNoise && tokens[same] == RunnersUp[same],
            $"{label}: token {same} is '{(char)tokens[same]}', alone it is '{(char)Tokens[same]}', which leads the runner-up " +
            $"'{(char)RunnersUp[same]}' by {Margins[same]:0.000} logits: not a rounding difference. Got '{text}', alone '{Text}'.");
    }
}

/// <summary>
/// The ground truth for batching tests: each prompt decoded by itself, with raw LLamaSharp (no scheduler), in a fresh
/// context that holds one sequence, the whole prompt in one batch, and the next token taken as the argmax of the logits.
/// The context is built as the server builds its own (same KV type, batch size and context size), so that only the
/// batch shape differs.
/// </summary>
public sealed class GreedyReference : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly ModelParams _parameters;

    public GreedyReference(string modelPath)
    {
        _parameters = new ModelParams(modelPath)
        {
            BatchSize = 512,
            UBatchSize = 512,
            GpuLayerCount = 999,
            KVUnified = true,
            SeqMax = 1,
            FlashAttention = false,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
        };
        _weights = LLamaWeights.LoadFromFile(_parameters);
    }

    public async Task<ReferenceReply> DecodeAsync(IReadOnlyList<int> prompt, int maxTokens)
    {
        // A context just large enough: cells past the sequence's own are masked out and add exact zeros, so its size changes no result.
        using var executor = new BatchedExecutor(_weights, _parameters with { ContextSize = (uint)((prompt.Count + maxTokens + 255) / 256 * 256) });
        using var conversation = executor.Create();
        conversation.Prompt(prompt.Select(t => (LLamaToken)t).ToArray().AsSpan());
        var tokens = new List<int>();
        var runnersUp = new List<int>();
        var margins = new List<float>();
        while (tokens.Count < maxTokens)
        {
            while (executor.BatchQueueCount > 0)
                Assert.Equal(DecodeResult.Ok, await executor.Infer());
            var (best, second) = TopTwo(conversation.Sample());
            tokens.Add(best.Token);
            runnersUp.Add(second.Token);
            margins.Add(best.Logit - second.Logit);
            conversation.Prompt((LLamaToken)best.Token);
        }
        return new ReferenceReply([.. tokens], [.. runnersUp], [.. margins]);
    }

    public void Dispose() => _weights.Dispose();

    private static ((int Token, float Logit) Best, (int Token, float Logit) Second) TopTwo(ReadOnlySpan<float> logits)
    {
        (int Token, float Logit) best = (-1, float.NegativeInfinity), second = best;
        for (var token = 0; token < logits.Length; token++)
        {
            if (logits[token] > best.Logit)
                (second, best) = (best, (token, logits[token]));
            else if (logits[token] > second.Logit)
                second = (token, logits[token]);
        }
        return (best, second);
    }
}
