using HiPO.Inference.Sampling;
using HiPO.ModeParsing;
using LLama;
using LLama.Batched;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>What closes the reasoning when its budget is spent: its text and its tokens.</summary>
internal sealed record BudgetClosing(string Text, LLamaToken[] Tokens);

/// <summary>One choice being generated: its KV sequence, sampler, decoder and reply state. Owned by the loop thread.</summary>
internal sealed class Sequence : IDisposable
{
    private readonly TokenSampler _sampler;
    private readonly StreamingTokenDecoder _decoder;
    private readonly int? _topLogprobs;
    private readonly bool[] _endsGeneration;

    /// <param name="endOfGeneration">The tokens that end generation.</param>
    /// <param name="endsGeneration">The same set indexed by token id, so that each sampled token is checked without a native call.</param>
    public Sequence(int index, Conversation conversation, List<LLamaToken> kvTokens, GenerationRequest request, GrammarConstraint? grammar, LLamaWeights weights, int[] endOfGeneration, bool[] endsGeneration)
    {
        _endsGeneration = endsGeneration;
        Index = index;
        Conversation = conversation;
        KvTokens = kvTokens;
        Reply = new ReplyTracker(request.Prompt, request.Stop, request.RawCompletion, constrainedAnswer: request.AnswerGrammar is not null);
        var seed = request.Sampling.Seed is { } s ? unchecked(s + (uint)index) : (uint)Random.Shared.Next();
        _sampler = new TokenSampler(request.Sampling, seed, grammar, endOfGeneration);
        _topLogprobs = request.TopLogprobs;
        _decoder = new StreamingTokenDecoder(System.Text.Encoding.UTF8, weights) { DecodeSpecialTokens = false };
    }

    public int Index { get; }

    public Conversation Conversation { get; private set; }

    /// <summary>The tokens this sequence holds in the KV cache, in order (what the prefix cache matches against).</summary>
    public List<LLamaToken> KvTokens { get; private set; }

    public ReplyTracker Reply { get; }

    /// <summary>Tokens to decode in the next step: the last sampled token, plus injected text.</summary>
    public LLamaToken[] Next { get; set; } = [];

    public int Generated { get; set; }

    public bool ReasoningTruncated { get; set; }

    public FinishReason? Finished { get; set; }

    /// <summary>Reply events of the token just advanced, for the loop to publish.</summary>
    public List<ModeEvent> Events { get; } = [];

    /// <summary>The log-probability of the token just advanced, if asked for.</summary>
    public TokenLogprob? Logprob { get; private set; }

    /// <summary>How the choice ends with the token just advanced; null while it goes on.</summary>
    public FinishReason? Ending { get; private set; }

    /// <summary>
    /// Picks the next token from this sequence's logits and, when asked for, its log-probability. Touches only this
    /// sequence's state, so the sequences of one step are picked in parallel (the reply state is only read).
    /// </summary>
    public (LLamaToken Token, TokenLogprob? Logprob) Pick(ReadOnlySpan<float> logits, SafeLlamaModelHandle.Vocabulary vocab)
    {
        var answer = Reply.InAnswerBlock;
        // Under a grammar the reply may end only once its answer block did: a stop must come with the constrained answer.
        var token = _sampler.Sample(logits, constrained: answer, mayEnd: Reply.MayEnd);
        var logprob = _topLogprobs is { } top && answer ? Logprobs.Of(logits, token, top, vocab) : null;
        return ((LLamaToken)token, logprob);
    }

    /// <summary>
    /// Moves the reply on by a sampled token: its text through the reply parser and stop strings, the reasoning budget
    /// (closing the reasoning in the sequence itself, so the model goes on with its answer), and whether the choice
    /// ends. Like <see cref="Pick"/> it touches only this sequence, so it runs beside the other sequences' work; the
    /// loop publishes <see cref="Events"/> and <see cref="Ending"/> afterwards.
    /// </summary>
    public void Advance(LLamaToken token, TokenLogprob? logprob, int maxTokens, int? maxReasoningTokens, BudgetClosing closing)
    {
        Events.Clear();
        Logprob = logprob;
        Ending = null;
        Generated++;
        if ((uint)(int)token < (uint)_endsGeneration.Length && _endsGeneration[(int)token])
        {
            End(FinishReason.Stop, endedNaturally: true);
            return;
        }
        Reply.OnToken(Decode(token), Events);
        Next = [token];
        if (!Reply.IsComplete && Reply.InReasoning && Reply.ThinkTokens >= maxReasoningTokens)
        {
            Reply.Inject(closing.Text, Events);
            Next = [token, .. closing.Tokens];
            ReasoningTruncated = true;
        }
        if (Reply.IsComplete)
            End(FinishReason.Stop, endedNaturally: true);
        else if (Generated >= maxTokens)
            End(FinishReason.Length, endedNaturally: false);
    }

    private void End(FinishReason reason, bool endedNaturally)
    {
        Reply.Finish(endedNaturally, Events);
        Ending = reason;
    }

    private string Decode(LLamaToken token)
    {
        _decoder.Add(token);
        return _decoder.Read();
    }

    /// <summary>
    /// Moves this sequence to a fresh conversation after the context was rebuilt: what it held in the KV cache is
    /// decoded again before its next token, so it goes on exactly where it was.
    /// </summary>
    public void Rehome(Conversation conversation)
    {
        Conversation = conversation;
        Next = [.. KvTokens, .. Next];
        KvTokens = [];
    }

    public ChoiceSummary Summary => new(Reply.Mode, ReasoningTruncated, Generated, Reply.ReasoningTokens, Reply.JudgeWasAnswer);

    public void Dispose() => _sampler.Dispose();
}
