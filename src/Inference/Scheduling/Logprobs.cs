using System.Numerics.Tensors;
using HiPO.Inference.Sampling;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>Log-probabilities from raw logits (llama.cpp has no logprobs API): a log-softmax, read in place.</summary>
internal static class Logprobs
{
    [ThreadStatic]
    private static float[]? _scratch;

    /// <summary>The sampled token's log-probability and the <paramref name="top"/> most likely alternatives, under the model's distribution.</summary>
    public static TokenLogprob Of(ReadOnlySpan<float> logits, int token, int top, SafeLlamaModelHandle.Vocabulary vocab)
    {
        var max = TensorPrimitives.Max(logits);
        var scratch = ScratchBuffer.Of(ref _scratch, logits.Length);
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        var logSum = max + MathF.Log(TensorPrimitives.Sum(scratch));

        var alternatives = new List<TokenAlternative>(top);
        if (top > 0)
        {
            Span<int> ids = stackalloc int[top];
            Span<float> values = stackalloc float[top];
            var count = TopKSelector.Select(logits, top, ids, values);
            for (var i = 0; i < count; i++)
                alternatives.Add(Alternative(ids[i], values[i]));
        }
        var sampled = Alternative(token, logits[token]);
        return new TokenLogprob(sampled.Token, sampled.Bytes, sampled.Logprob, alternatives);

        TokenAlternative Alternative(int id, float logit)
        {
            var text = vocab.LLamaTokenToString((LLamaToken)id, isSpecialToken: false) ?? "";
            return new TokenAlternative(text, System.Text.Encoding.UTF8.GetBytes(text), logit - logSum);
        }
    }
}
