using LLama;
using LLama.Batched;
using LLama.Native;
using LLama.Sampling;
using HiPO.ModeParsing;

namespace HiPO.Inference.Scheduling;

/// <summary>One choice being generated: its KV sequence, sampler, decoder and reply state. Owned by the loop thread.</summary>
internal sealed class Sequence : IDisposable
{
    private readonly DefaultSamplingPipeline _sampler;
    private readonly DefaultSamplingPipeline? _answerSampler;
    private readonly StreamingTokenDecoder _decoder;

    public Sequence(int index, Conversation conversation, List<LLamaToken> kvTokens, GenerationRequest request, LLamaWeights weights)
    {
        Index = index;
        Conversation = conversation;
        KvTokens = kvTokens;
        Reply = new ReplyTracker(request.Prompt, request.Stop, request.RawCompletion, constrainedAnswer: request.AnswerGrammar is not null);
        var seed = request.Sampling.Seed is { } s ? unchecked(s + (uint)index) : (uint)Random.Shared.Next();
        _sampler = CreateSampler(request.Sampling, seed, grammar: null);
        if (request.AnswerGrammar is { } gbnf)
            _answerSampler = CreateSampler(request.Sampling, seed, new Grammar(gbnf, "root"));
        _decoder = new StreamingTokenDecoder(System.Text.Encoding.UTF8, weights) { DecodeSpecialTokens = false };
    }

    public int Index { get; }

    public Conversation Conversation { get; }

    /// <summary>The tokens this sequence holds in the KV cache, in order (what the prefix cache matches against).</summary>
    public List<LLamaToken> KvTokens { get; }

    public ReplyTracker Reply { get; }

    /// <summary>Tokens to decode in the next step: the last sampled token, plus injected text.</summary>
    public LLamaToken[] Next { get; set; } = [];

    public int Generated { get; set; }

    public bool ReasoningTruncated { get; set; }

    public FinishReason? Finished { get; set; }

    public LLamaToken Sample() =>
        Conversation.Sample(_answerSampler is not null && Reply.InAnswerBlock ? _answerSampler : _sampler);

    public string Decode(LLamaToken token)
    {
        _decoder.Add(token);
        return _decoder.Read();
    }

    public ChoiceSummary Summary => new(Reply.Mode, ReasoningTruncated, Generated, Reply.ReasoningTokens, Reply.JudgeWasAnswer);

    public void Dispose()
    {
        _sampler.Dispose();
        _answerSampler?.Dispose();
    }

    private static DefaultSamplingPipeline CreateSampler(SamplingSettings s, uint seed, Grammar? grammar) => new()
    {
        Temperature = s.Temperature,
        TopP = s.TopP,
        TopK = s.TopK,
        MinP = s.MinP,
        TypicalP = 1f,
        RepeatPenalty = s.RepetitionPenalty,
        FrequencyPenalty = s.FrequencyPenalty,
        PresencePenalty = s.PresencePenalty,
        LogitBias = s.LogitBias.ToDictionary(kv => (LLamaToken)kv.Key, kv => kv.Value),
        Seed = seed,
        Grammar = grammar,
    };
}
