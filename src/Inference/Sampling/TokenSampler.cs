using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using HiPO.Inference.Scheduling;

namespace HiPO.Inference.Sampling;

/// <summary>
/// Picks one sequence's next token from its logits with llama.cpp's chain semantics (logit bias, penalties over the
/// last <see cref="PenaltyWindow"/> tokens, top-k, top-p, min-p, temperature, then a draw), at a cost that does not
/// grow with the vocabulary in the common cases:
/// <list type="bullet">
/// <item>greedy (temperature 0) is one vectorized argmax;</item>
/// <item>top-k is a one-pass selection (<see cref="TopKSelector"/>); bias and penalties touch only the few tokens they
/// name, merged into the selection instead of rewriting the logits;</item>
/// <item>top-k off (0) finds the top-p cut with a histogram of the probability mass, never a sort of the vocabulary,
/// and draws in one more pass.</item>
/// </list>
/// The logits are only read (forked sequences share them). Each sequence owns its sampler, so sequences of one step
/// are sampled in parallel; scratch space is per thread, allocated once.
/// </summary>
internal sealed class TokenSampler : IDisposable
{
    /// <summary>Tokens the repetition, frequency and presence penalties look back over (llama.cpp's <c>penalty_last_n</c> default).</summary>
    public const int PenaltyWindow = 64;

    private const int HistogramBins = 1024;
    private const int FewCandidates = 64;
    private const float HistogramSpan = 40f;

    // Vocabulary-sized scratch space, per thread: allocated once, never per token.
    [ThreadStatic]
    private static float[]? _adjustedScratch;
    [ThreadStatic]
    private static float[]? _weightScratch;
    [ThreadStatic]
    private static float[]? _offsetScratch;
    [ThreadStatic]
    private static float[]? _maskedScratch;
    [ThreadStatic]
    private static int[]? _memberScratch;
    [ThreadStatic]
    private static float[]? _keyScratch;

    private readonly SamplingSettings _settings;
    private readonly Random _random;
    private readonly bool _penalized;
    private readonly int[] _window = new int[PenaltyWindow];
    private readonly Dictionary<int, int> _windowCounts = [];
    private readonly Dictionary<int, float> _overrides = [];
    private int _windowCount;
    private int[] _ids = [];
    private float[] _values = [];

    private readonly int[] _endOfGeneration;
    // The bias as an array, in the dictionary's order: enumerated per token without an enumerator's allocation.
    private readonly KeyValuePair<int, float>[] _logitBias;

    /// <param name="endOfGeneration">The tokens that end generation, banned where the caller says the reply may not end yet.</param>
    public TokenSampler(SamplingSettings settings, uint seed, GrammarConstraint? grammar, int[]? endOfGeneration = null)
    {
        _settings = settings;
        _endOfGeneration = endOfGeneration ?? [];
        _logitBias = [.. settings.LogitBias];
        _random = new Random(unchecked((int)seed));
        Grammar = grammar;
        _penalized = settings.RepetitionPenalty != 1f || settings.FrequencyPenalty != 0f || settings.PresencePenalty != 0f;
    }

    /// <summary>The grammar applied where the caller asks for it (the answer block), if any.</summary>
    public GrammarConstraint? Grammar { get; }

    /// <summary>
    /// Chooses the next token; <paramref name="constrained"/> applies the grammar, <paramref name="mayEnd"/> false bans the
    /// end-of-generation tokens. The token is remembered for the penalties.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, bool constrained, bool mayEnd = true)
    {
        CollectOverrides(logits);
        if (!mayEnd)
        {
            foreach (var id in _endOfGeneration)
                _overrides[id] = float.NegativeInfinity;
        }
        var token = Choose(logits);
        if (constrained && Grammar is { } grammar)
        {
            if (!grammar.Allows(token))
            {
                var masked = ScratchBuffer.Of(ref _maskedScratch, logits.Length);
                grammar.Mask(logits, masked);
                foreach (var id in _overrides.Keys.ToArray())
                {
                    if (float.IsNegativeInfinity(masked[id]))
                        _overrides.Remove(id);
                }
                token = Choose(masked);
                if (!grammar.Allows(token))
                    throw new InvalidOperationException("The grammar allows no token here.");
            }
            grammar.Accept(token);
        }
        Remember(token);
        return token;
    }

    public void Dispose() => Grammar?.Dispose();

    private int Choose(ReadOnlySpan<float> logits)
    {
        if (_settings.Temperature <= 0f)
            return SelectTop(logits, 1) > 0 ? _ids[0] : 0;
        if (_settings.TopK <= 0 || _settings.TopK >= logits.Length)
            return SampleVocabulary(logits);
        var count = SelectTop(logits, _settings.TopK);
        return SampleCandidates(count);
    }

    /// <summary>The <paramref name="k"/> best tokens after bias and penalties, into <see cref="_ids"/>/<see cref="_values"/>, best first.</summary>
    private int SelectTop(ReadOnlySpan<float> logits, int k)
    {
        // A token the overrides do not touch and that is outside the raw top (k + overrides) cannot be in the adjusted top k.
        var wanted = Math.Min(k + _overrides.Count, logits.Length);
        var capacity = wanted + _overrides.Count;
        if (_ids.Length < capacity)
        {
            _ids = new int[capacity];
            _values = new float[capacity];
        }
        var count = TopKSelector.Select(logits, wanted, _ids, _values);
        if (_overrides.Count == 0)
            return Math.Min(k, count);

        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (_overrides.ContainsKey(_ids[i]))
                continue;
            _ids[kept] = _ids[i];
            _values[kept++] = _values[i];
        }
        foreach (var (id, value) in _overrides)
        {
            _ids[kept] = id;
            _values[kept++] = value;
        }
        _values.AsSpan(0, kept).Sort(_ids.AsSpan(0, kept), static (a, b) => b.CompareTo(a));
        return Math.Min(k, kept);
    }

    /// <summary>top-p, min-p, temperature and the draw over the sorted candidates (llama.cpp computes top-p's probabilities at temperature 1).</summary>
    private int SampleCandidates(int count)
    {
        var best = _values[0];
        if (float.IsNegativeInfinity(best))
            return _ids[0];
        var keep = count;
        if (_settings.TopP < 1f)
        {
            var total = 0.0;
            for (var i = 0; i < count; i++)
                total += Math.Exp(_values[i] - best);
            keep = NucleusSize(count, best, _settings.TopP * total) ?? count;
        }
        return Draw(keep);
    }

    /// <summary>How many of the sorted candidates it takes for their mass (relative to the best) to reach <paramref name="goal"/>; null if all of them do not.</summary>
    private int? NucleusSize(int count, float best, double goal)
    {
        var cumulative = 0.0;
        for (var i = 0; i < count; i++)
        {
            cumulative += Math.Exp(_values[i] - best);
            if (cumulative >= goal)
                return i + 1;
        }
        return null;
    }

    /// <summary>min-p, temperature and the draw over the first <paramref name="keep"/> sorted candidates.</summary>
    private int Draw(int keep)
    {
        var best = _values[0];
        if (_settings.MinP > 0f)
        {
            var floor = best + MathF.Log(_settings.MinP);
            var above = 1;
            while (above < keep && _values[above] >= floor)
                above++;
            keep = above;
        }
        var inverseTemperature = 1.0 / _settings.Temperature;
        var weights = 0.0;
        for (var i = 0; i < keep; i++)
            weights += Math.Exp((_values[i] - best) * inverseTemperature);
        var target = _random.NextDouble() * weights;
        for (var i = 0; i < keep; i++)
        {
            target -= Math.Exp((_values[i] - best) * inverseTemperature);
            if (target < 0)
                return _ids[i];
        }
        return _ids[keep - 1];
    }

    /// <summary>Sampling with top-k off: the top-p cut comes from a histogram of probability mass, the draw from one pass.</summary>
    private int SampleVocabulary(ReadOnlySpan<float> logits)
    {
        if (_overrides.Count > 0)
        {
            var adjusted = ScratchBuffer.Of(ref _adjustedScratch, logits.Length);
            logits.CopyTo(adjusted);
            foreach (var (id, value) in _overrides)
                adjusted[id] = value;
            logits = adjusted;
        }
        var max = TensorPrimitives.Max(logits);
        var weights = ScratchBuffer.Of(ref _weightScratch, logits.Length);
        TensorPrimitives.Subtract(logits, max, weights);
        var cut = _settings.MinP > 0f ? max + MathF.Log(_settings.MinP) : float.NegativeInfinity;
        if (_settings.TopP < 1f)
        {
            // Probabilities at temperature 1 (what llama.cpp's top-p uses), then the same buffer gets the draw's weights.
            var offsets = ScratchBuffer.Of(ref _offsetScratch, logits.Length);
            weights.CopyTo(offsets);
            TensorPrimitives.Exp(offsets, weights);
            // A trained model's nucleus is usually a handful of tokens: when the best few already hold top_p of the
            // mass, the draw is over them alone. Only a flat distribution needs the histogram and full passes.
            var count = SelectFew(logits);
            if (NucleusSize(count, max, _settings.TopP * TensorPrimitives.Sum(weights)) is { } nucleus)
                return Draw(nucleus);
            cut = Math.Max(cut, TopPCut(logits, offsets, weights, max, _settings.TopP));
            TensorPrimitives.Multiply(offsets, 1f / _settings.Temperature, weights);
        }
        else
        {
            TensorPrimitives.Multiply(weights, 1f / _settings.Temperature, weights);
        }
        TensorPrimitives.Exp(weights, weights);

        var total = MaskedSum(logits, weights, cut);
        var target = _random.NextDouble() * total;
        var last = 0;
        for (var id = 0; id < logits.Length; id++)
        {
            if (logits[id] < cut)
                continue;
            last = id;
            target -= weights[id];
            if (target < 0)
                return id;
        }
        return last;
    }

    /// <summary>The <see cref="FewCandidates"/> best tokens of <paramref name="logits"/> (overrides already applied), into the candidate buffers.</summary>
    private int SelectFew(ReadOnlySpan<float> logits)
    {
        if (_ids.Length < FewCandidates)
        {
            _ids = new int[FewCandidates];
            _values = new float[FewCandidates];
        }
        return TopKSelector.Select(logits, FewCandidates, _ids, _values);
    }

    /// <summary>
    /// The lowest logit inside the top-p nucleus, found without sorting: probability mass is binned by distance from
    /// the best logit (1,024 bins over 40 nats; a token further away weighs under e^-40 of the best), the bin where the
    /// cumulative mass crosses <paramref name="p"/> is binned again, finer, and only the last few tokens are ordered.
    /// </summary>
    private static float TopPCut(ReadOnlySpan<float> logits, ReadOnlySpan<float> offsets, ReadOnlySpan<float> probabilities, float max, float p)
    {
        var members = ScratchBuffer.Of(ref _memberScratch, logits.Length);
        var count = 0;
        for (var id = 0; id < offsets.Length; id++)
        {
            if (offsets[id] > -HistogramSpan)
                members[count++] = id;
        }
        var total = 0.0;
        foreach (var id in members[..count])
            total += probabilities[id];
        var goal = p * total;
        var cumulative = 0.0;
        var low = 0f;
        var width = HistogramSpan;
        // Two rounds of binning narrow the boundary to 40 / 1024^2 nats; what is left is ordered by a few comparisons.
        Span<double> mass = stackalloc double[HistogramBins];
        for (var round = 0; round < 2 && count > 64; round++)
        {
            mass.Clear();
            var scale = HistogramBins / width;
            foreach (var id in members[..count])
                mass[Math.Min(HistogramBins - 1, (int)((-offsets[id] - low) * scale))] += probabilities[id];
            var boundary = 0;
            while (boundary < HistogramBins - 1 && cumulative + mass[boundary] < goal)
                cumulative += mass[boundary++];
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                var id = members[i];
                if (Math.Min(HistogramBins - 1, (int)((-offsets[id] - low) * scale)) == boundary)
                    members[kept++] = id;
            }
            count = kept;
            low += boundary / scale;
            width /= HistogramBins;
        }

        // Order the few remaining tokens, best first, and walk them until the goal is covered.
        var remaining = members[..count];
        var keys = ScratchBuffer.Of(ref _keyScratch, count, minimum: 256);
        for (var i = 0; i < count; i++)
            keys[i] = -logits[remaining[i]];
        keys.Sort(remaining);
        foreach (var id in remaining)
        {
            cumulative += probabilities[id];
            if (cumulative >= goal)
                return logits[id];
        }
        return remaining.Length > 0 ? logits[remaining[^1]] : max - HistogramSpan;
    }

    /// <summary>The sum of <paramref name="weights"/> over the tokens whose logit is at least <paramref name="cut"/>.</summary>
    private static double MaskedSum(ReadOnlySpan<float> logits, ReadOnlySpan<float> weights, float cut)
    {
        var id = 0;
        var sum = 0.0;
        if (Vector.IsHardwareAccelerated)
        {
            var floor = new Vector<float>(cut);
            var lanes = Vector<float>.Zero;
            ref var logit = ref MemoryMarshal.GetReference(logits);
            ref var weight = ref MemoryMarshal.GetReference(weights);
            for (; id <= logits.Length - Vector<float>.Count; id += Vector<float>.Count)
            {
                var inside = Vector.GreaterThanOrEqual(Vector.LoadUnsafe(ref logit, (nuint)id), floor);
                lanes += Vector.ConditionalSelect(inside, Vector.LoadUnsafe(ref weight, (nuint)id), Vector<float>.Zero);
            }
            sum = Vector.Sum(lanes);
        }
        for (; id < logits.Length; id++)
        {
            if (logits[id] >= cut)
                sum += weights[id];
        }
        return sum;
    }

    /// <summary>Logit bias and penalties as the adjusted logits of the few tokens they touch.</summary>
    private void CollectOverrides(ReadOnlySpan<float> logits)
    {
        _overrides.Clear();
        foreach (var (id, bias) in _logitBias)
        {
            if ((uint)id < (uint)logits.Length)
                _overrides[id] = logits[id] + bias;
        }
        if (!_penalized)
            return;
        foreach (var (id, count) in _windowCounts)
        {
            var logit = _overrides.TryGetValue(id, out var biased) ? biased : logits[id];
            logit = logit <= 0 ? logit * _settings.RepetitionPenalty : logit / _settings.RepetitionPenalty;
            _overrides[id] = logit - count * _settings.FrequencyPenalty - _settings.PresencePenalty;
        }
    }

    private void Remember(int token)
    {
        if (!_penalized)
            return;
        var slot = _windowCount % PenaltyWindow;
        if (_windowCount >= PenaltyWindow)
        {
            var old = _window[slot];
            if (--_windowCounts[old] == 0)
                _windowCounts.Remove(old);
        }
        _window[slot] = token;
        _windowCounts[token] = _windowCounts.GetValueOrDefault(token) + 1;
        _windowCount++;
    }
}
