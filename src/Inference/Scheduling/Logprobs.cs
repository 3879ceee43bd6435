using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>Log-probabilities from raw logits (llama.cpp has no logprobs API): a log-softmax over the vocabulary.</summary>
internal static class Logprobs
{
    /// <summary>The distribution the model produced before sampling; the sampled token is filled in by <see cref="For"/>.</summary>
    public sealed class Distribution(float[] logits, float logSum, SafeLlamaModelHandle.Vocabulary vocab, int top)
    {
        public TokenLogprob For(LLamaToken token)
        {
            var alternatives = new List<TokenAlternative>(top);
            if (top > 0)
            {
                var best = new PriorityQueue<int, float>();
                for (var id = 0; id < logits.Length; id++)
                {
                    best.Enqueue(id, logits[id]);
                    if (best.Count > top)
                        best.Dequeue();
                }
                while (best.TryDequeue(out var id, out _))
                    alternatives.Add(Alternative(id));
                alternatives.Reverse();
            }
            var sampled = Alternative((int)token);
            return new TokenLogprob(sampled.Token, sampled.Bytes, sampled.Logprob, alternatives);
        }

        private TokenAlternative Alternative(int id)
        {
            var text = vocab.LLamaTokenToString((LLamaToken)id, isSpecialToken: false) ?? "";
            return new TokenAlternative(text, System.Text.Encoding.UTF8.GetBytes(text), logits[id] - logSum);
        }
    }

    public static Distribution Capture(Span<float> logits, SafeLlamaModelHandle.Vocabulary vocab, int top)
    {
        var max = float.NegativeInfinity;
        foreach (var logit in logits)
            max = Math.Max(max, logit);
        var sum = 0.0;
        foreach (var logit in logits)
            sum += Math.Exp(logit - max);
        return new Distribution(logits.ToArray(), max + (float)Math.Log(sum), vocab, top);
    }
}
