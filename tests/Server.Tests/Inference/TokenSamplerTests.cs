using HiPO.Inference.Sampling;
using HiPO.Server.Tests.Gguf;

namespace HiPO.Server.Tests.Inference;

/// <summary>
/// The sampler against a reference written the slow, obvious way (llama.cpp's chain: bias, penalties, sort, top-k,
/// top-p at temperature 1, min-p, temperature, draw), on logits of HiPO's real vocabulary size.
/// </summary>
public sealed class TokenSamplerTests
{
    private const int Vocabulary = 151_936;

    /// <summary>
    /// Random logits: a dozen strong candidates over a long tail that holds much of the mass, or (<paramref name="peaked"/>)
    /// almost none of it, as with a trained model, where the top-p nucleus is a handful of tokens.
    /// </summary>
    private static float[] Logits(int seed, bool peaked = false)
    {
        var random = new Random(seed);
        var logits = new float[Vocabulary];
        for (var i = 0; i < logits.Length; i++)
            logits[i] = (float)(random.NextDouble() * random.NextDouble() * 10);
        for (var i = 0; i < 12; i++)
            logits[random.Next(Vocabulary)] += (peaked ? 20 : 8) + i * 0.4f;
        return logits;
    }

    /// <summary>The probability of every token under llama.cpp's chain semantics, computed by sorting the whole vocabulary.</summary>
    private static double[] Reference(float[] raw, SamplingSettings s, IReadOnlyDictionary<int, int>? recent = null)
    {
        var logits = (float[])raw.Clone();
        foreach (var (id, bias) in s.LogitBias)
            logits[id] += bias;
        foreach (var (id, count) in recent ?? new Dictionary<int, int>())
        {
            logits[id] = logits[id] <= 0 ? logits[id] * s.RepetitionPenalty : logits[id] / s.RepetitionPenalty;
            logits[id] -= count * s.FrequencyPenalty + s.PresencePenalty;
        }
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ToArray();
        var keep = s.TopK > 0 ? Math.Min(s.TopK, order.Length) : order.Length;
        var best = logits[order[0]];
        var total = order.Take(keep).Sum(i => Math.Exp(logits[i] - best));
        if (s.TopP < 1)
        {
            var cumulative = 0.0;
            for (var i = 0; i < keep; i++)
            {
                cumulative += Math.Exp(logits[order[i]] - best);
                if (cumulative >= s.TopP * total)
                {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (s.MinP > 0)
            keep = Math.Max(1, order.Take(keep).Count(i => logits[i] >= best + Math.Log(s.MinP)));
        var probabilities = new double[logits.Length];
        var weights = order.Take(keep).Sum(i => Math.Exp((logits[i] - best) / s.Temperature));
        foreach (var i in order.Take(keep))
            probabilities[i] = Math.Exp((logits[i] - best) / s.Temperature) / weights;
        return probabilities;
    }

    [Fact]
    public void The_top_k_selection_equals_a_full_sort()
    {
        var logits = Logits(1);
        var ids = new int[64];
        var values = new float[64];

        var count = TopKSelector.Select(logits, 64, ids, values);

        Assert.Equal(64, count);
        Assert.Equal(Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(64), ids);
        Assert.Equal(ids.Select(i => logits[i]), values);
    }

    [Fact]
    public void Greedy_sampling_is_the_argmax_after_bias_and_penalties()
    {
        var logits = Logits(2);
        var argmax = Array.IndexOf(logits, logits.Max());
        var sampler = new TokenSampler(new SamplingSettings { Temperature = 0 }, seed: 1, grammar: null);
        Assert.Equal(argmax, sampler.Sample(logits, constrained: false));

        // Banning the argmax makes the runner-up the choice; raising a weak token makes it the choice.
        var second = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ElementAt(1);
        var banned = new TokenSampler(new SamplingSettings { Temperature = 0, LogitBias = new Dictionary<int, float> { [argmax] = float.NegativeInfinity } }, 1, null);
        Assert.Equal(second, banned.Sample(logits, false));
        var raised = new TokenSampler(new SamplingSettings { Temperature = 0, LogitBias = new Dictionary<int, float> { [7] = 100 } }, 1, null);
        Assert.Equal(7, raised.Sample(logits, false));

        // A strong presence penalty keeps greedy decoding from repeating the token it just chose.
        var penalized = new TokenSampler(new SamplingSettings { Temperature = 0, PresencePenalty = 2, RepetitionPenalty = 10 }, 1, null);
        var first = penalized.Sample(logits, false);
        Assert.Equal(argmax, first);
        Assert.NotEqual(first, penalized.Sample(logits, false));
    }

    public static TheoryData<int, float, float, float, bool> Chains => new()
    {
        { 20, 0.95f, 0f, 0.6f, false },   // HiPO's defaults
        { 40, 1f, 0f, 1f, false },        // llama-server's top-k alone
        { 0, 0.95f, 0f, 0.6f, false },    // top-k off: top-p over the whole vocabulary (the histogram)
        { 0, 0.95f, 0f, 1.3f, true },     // top-k off on a peaked distribution (the nucleus within the best few)
        { 0, 0.8f, 0.05f, 1.2f, false },  // top-k off with min-p
        { 0, 1f, 0f, 0.7f, false },       // no truncation at all
        { 5, 0.5f, 0.2f, 1.5f, false },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Samples_follow_the_reference_distribution(int topK, float topP, float minP, float temperature, bool peaked)
    {
        var logits = Logits(3, peaked);
        var settings = new SamplingSettings { TopK = topK, TopP = topP, MinP = minP, Temperature = temperature };
        var expected = Reference(logits, settings);
        var counts = new Dictionary<int, int>();
        const int draws = 2000;
        var sampler = new TokenSampler(settings, seed: 42, grammar: null);
        for (var i = 0; i < draws; i++)
        {
            var token = sampler.Sample(logits, constrained: false);
            counts[token] = counts.GetValueOrDefault(token) + 1;
        }

        // Never outside the reference's support, and every likely token near its probability (within 5 sigma).
        Assert.All(counts.Keys, token => Assert.True(expected[token] > 0, $"token {token} is outside the nucleus"));
        foreach (var token in Enumerable.Range(0, logits.Length).Where(t => expected[t] > 0.02))
        {
            var p = expected[token];
            var sigma = Math.Sqrt(draws * p * (1 - p));
            Assert.InRange(counts.GetValueOrDefault(token), draws * p - 5 * sigma, draws * p + 5 * sigma);
        }
    }

    [Fact]
    public void Penalties_and_bias_shift_the_distribution_as_the_reference_does()
    {
        var logits = Logits(4);
        var top = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(3).ToArray();
        var settings = new SamplingSettings
        {
            TopK = 20, TopP = 1, Temperature = 1, FrequencyPenalty = 0.5f, RepetitionPenalty = 1.3f,
            LogitBias = new Dictionary<int, float> { [top[1]] = -1.5f },
        };
        var expected = Reference(logits, settings, new Dictionary<int, int> { [top[0]] = 1 });
        // A row on which only top[0] can be drawn puts it in each sampler's penalty window first.
        var forcing = new float[logits.Length];
        forcing[top[0]] = 1e9f;

        const int draws = 3000;
        var counts = new int[logits.Length];
        for (var i = 0; i < draws; i++)
        {
            var sampler = new TokenSampler(settings, (uint)i, null);
            Assert.Equal(top[0], sampler.Sample(forcing, false));
            counts[sampler.Sample(logits, false)]++;
        }
        foreach (var token in Enumerable.Range(0, logits.Length).Where(t => expected[t] > 0.03))
        {
            var p = expected[token];
            var sigma = Math.Sqrt(draws * p * (1 - p));
            Assert.InRange(counts[token], draws * p - 5 * sigma, draws * p + 5 * sigma);
        }
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens()
    {
        var logits = Logits(5);
        var settings = new SamplingSettings { TopK = 0, TopP = 0.95f, Temperature = 1 };
        var first = new TokenSampler(settings, 123, null);
        var second = new TokenSampler(settings, 123, null);
        var a = Enumerable.Range(0, 50).Select(_ => first.Sample(logits, false)).ToList();
        var b = Enumerable.Range(0, 50).Select(_ => second.Sample(logits, false)).ToList();
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 1);
    }

    [Fact]
    public void A_grammar_llama_cpp_refuses_is_an_exception_not_a_crash()
    {
        using var weights = LlamaRuntime.Load(TestModels.PathOf(ScriptedModels.ThinkOff));
        var refused = Assert.Throws<GrammarRejectedException>(() => GrammarConstraint.Create(weights.NativeHandle, "root ::= \"a\"{0,5000}"));
        Assert.Contains("grammar", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<GrammarRejectedException>(() => GrammarConstraint.Create(weights.NativeHandle, "root ::= undefined-rule"));
    }

    [Fact]
    public void A_constrained_sample_is_always_a_token_the_grammar_allows()
    {
        using var weights = LlamaRuntime.Load(TestModels.PathOf(ScriptedModels.ThinkOff));
        var vocabulary = weights.NativeHandle.Vocab;
        var digits = Enumerable.Range(0, vocabulary.Count)
            .Where(id => vocabulary.LLamaTokenToString((LLama.Native.LLamaToken)id, isSpecialToken: false) is { Length: > 0 } text && text.All(char.IsAsciiDigit))
            .ToHashSet();
        Assert.NotEmpty(digits);

        var logits = new float[vocabulary.Count];
        var random = new Random(6);
        for (var i = 0; i < logits.Length; i++)
            logits[i] = (float)random.NextDouble();
        // Twenty digits exactly: until the grammar is complete, no other token (not even end-of-generation) is allowed.
        var sampler = new TokenSampler(new SamplingSettings { Temperature = 1, TopK = 20 }, 1, GrammarConstraint.Create(weights.NativeHandle, "root ::= [0-9]{20}"));
        for (var i = 0; i < 20; i++)
            Assert.Contains(sampler.Sample(logits, constrained: true), digits);
        sampler.Dispose();
    }
}
