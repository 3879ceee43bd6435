using HiPO.Inference.Sampling;
using LLama;
using LLama.Batched;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>One choice being generated: its KV sequence, sampler, decoder and reply state. Owned by the loop thread.</summary>
internal sealed class Sequence : IDisposable
{
    private readonly TokenSampler _sampler;
    private readonly StreamingTokenDecoder _decoder;
    private readonly int? _topLogprobs;

    public Sequence(int index, Conversation conversation, List<LLamaToken> kvTokens, GenerationRequest request, LLamaWeights weights)
    {
        Index = index;
        Conversation = conversation;
        KvTokens = kvTokens;
        Reply = new ReplyTracker(request.Prompt, request.Stop, request.RawCompletion);
        var seed = request.Sampling.Seed is { } s ? unchecked(s + (uint)index) : (uint)Random.Shared.Next();
        var grammar = request.AnswerGrammar is { } gbnf ? GrammarConstraint.Create(weights.NativeHandle, gbnf) : null;
        _sampler = new TokenSampler(request.Sampling, seed, grammar);
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

    /// <summary>
    /// Picks the next token from this sequence's logits and, when asked for, its log-probability. Touches only this
    /// sequence's state, so the sequences of one step are picked in parallel (the reply state is only read).
    /// </summary>
    public (LLamaToken Token, TokenLogprob? Logprob) Pick(ReadOnlySpan<float> logits, SafeLlamaModelHandle.Vocabulary vocab)
    {
        var answer = Reply.InAnswerBlock;
        var token = _sampler.Sample(logits, constrained: answer);
        var logprob = _topLogprobs is { } top && answer ? Logprobs.Of(logits, token, top, vocab) : null;
        return ((LLamaToken)token, logprob);
    }

    public string Decode(LLamaToken token)
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
