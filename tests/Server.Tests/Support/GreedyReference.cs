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
/// The context is built as the tests configure the server's (F32 KV cache, no flash attention, batch size 512), so
/// that only the batch shape differs.
/// </summary>
/// <remarks>
/// Flash attention on the CPU rounds through F16 and its result depends on where a sequence's cells lie in the shared
/// cache: on <see cref="AttentionModel"/> its logits for one sequence differed by up to 0.15 between batch shapes, against
/// 0.004 without it (<see cref="LargestDeviationAmongOthersAsync"/> checks the latter). The tests therefore turn it off,
/// which keeps rounding flips rare and the comparison strict; with it, replies are as correct but flip near ties more often.
/// </remarks>
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
        conversation.Prompt(Tokens(prompt));
        var tokens = new List<int>();
        var runnersUp = new List<int>();
        var margins = new List<float>();
        while (tokens.Count < maxTokens)
        {
            await InferAllAsync(executor);
            var (best, second) = TopTwo(conversation.Sample());
            tokens.Add(best.Token);
            runnersUp.Add(second.Token);
            margins.Add(best.Logit - second.Logit);
            conversation.Prompt((LLamaToken)best.Token);
        }
        return new ReferenceReply([.. tokens], [.. runnersUp], [.. margins]);
    }

    /// <summary>
    /// How far, in logits, <paramref name="prompt"/>'s greedy steps move when it is decoded not alone but beside
    /// <paramref name="others"/> in one shared cache, its prompt in chunks of <paramref name="chunk"/> tokens while they
    /// decode: the rounding that batch shapes alone cause, which <see cref="AttentionModel.NumericNoise"/> must exceed.
    /// </summary>
    public async Task<float> LargestDeviationAmongOthersAsync(int[] prompt, IReadOnlyList<int[]> others, int chunk, int steps)
    {
        var alone = await DecodeAsync(prompt, steps);
        var aloneLogits = new List<float[]>();
        using (var executor = new BatchedExecutor(_weights, _parameters with { ContextSize = 4096 }))
        using (var conversation = executor.Create())
        {
            conversation.Prompt(Tokens(prompt));
            foreach (var token in alone.Tokens)
            {
                await InferAllAsync(executor);
                aloneLogits.Add(conversation.Sample().ToArray());
                conversation.Prompt((LLamaToken)token);
            }
        }

        using var batched = new BatchedExecutor(_weights, _parameters with { ContextSize = 4096, SeqMax = (uint)others.Count + 1 });
        var neighbours = others.Select(o =>
        {
            var conversation = batched.Create();
            conversation.Prompt(Tokens(o));
            return conversation;
        }).ToList();
        using var main = batched.Create();
        try
        {
            // The others' prompts take the first cells; then the prompt arrives chunk by chunk while they decode.
            await InferAllAsync(batched);
            var largest = 0f;
            for (var done = 0; done < prompt.Length; done += chunk)
            {
                main.Prompt(Tokens(prompt[done..Math.Min(prompt.Length, done + chunk)]));
                neighbours.ForEach(n => n.Prompt((LLamaToken)'q'));
                await InferAllAsync(batched);
            }
            for (var step = 0; step < steps; step++)
            {
                var logits = main.Sample();
                for (var token = 0; token < logits.Length; token++)
                    largest = Math.Max(largest, Math.Abs(logits[token] - aloneLogits[step][token]));
                main.Prompt((LLamaToken)alone.Tokens[step]);
                neighbours.ForEach(n => n.Prompt((LLamaToken)'q'));
                await InferAllAsync(batched);
            }
            return largest;
        }
        finally
        {
            neighbours.ForEach(n => n.Dispose());
        }
    }

    public void Dispose() => _weights.Dispose();

    private static ReadOnlySpan<LLamaToken> Tokens(IEnumerable<int> tokens) => tokens.Select(t => (LLamaToken)t).ToArray();

    private static async Task InferAllAsync(BatchedExecutor executor)
    {
        while (executor.BatchQueueCount > 0)
            Assert.Equal(DecodeResult.Ok, await executor.Infer());
    }

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
