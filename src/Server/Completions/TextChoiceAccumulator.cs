using System.Text;
using HiPO.Inference.Scheduling;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Completions;

/// <summary>
/// Collects one choice of a legacy completion: its text (after the echoed prompt, if any) and its per-token log-probabilities,
/// whose <c>text_offset</c> counts characters (Unicode code points, as Python's string indices do) from the start of <c>text</c>.
/// </summary>
internal sealed class TextChoiceAccumulator(int index, string? echo)
{
    private readonly StringBuilder _text = new(echo);
    private readonly List<string> _tokens = [];
    private readonly List<float> _tokenLogprobs = [];
    private readonly List<Dictionary<string, float>> _topLogprobs = [];
    private readonly List<int> _textOffsets = [];
    private int _characters = CountCharacters(echo ?? "");
    private ChoiceFinished? _finished;

    /// <summary>Adds a piece of text and the tokens that produced it; returns where those tokens start, for <see cref="LogprobsFrom"/>.</summary>
    public int Add(string text, IReadOnlyList<TokenLogprob>? tokens)
    {
        var start = _tokens.Count;
        var offset = _characters;
        foreach (var token in tokens ?? [])
        {
            _tokens.Add(token.Token);
            _tokenLogprobs.Add(token.Logprob);
            _topLogprobs.Add(TopOf(token));
            _textOffsets.Add(offset);
            offset += CountCharacters(token.Token);
        }
        _text.Append(text);
        _characters += CountCharacters(text);
        return start;
    }

    /// <summary>The log-probabilities of the tokens from <paramref name="start"/> on alone, for a streamed chunk.</summary>
    public TextLogprobs LogprobsFrom(int start) =>
        new(_tokens[start..], _tokenLogprobs[start..], _topLogprobs[start..], _textOffsets[start..]);

    public void Finish(ChoiceFinished finished) => _finished = finished;

    public string Text => _text.ToString();

    public TextChoice ToChoice(bool logprobs) => new(
        index,
        _text.ToString(),
        logprobs ? new TextLogprobs(_tokens, _tokenLogprobs, _topLogprobs, _textOffsets) : null,
        WireValues.FinishReason(_finished?.Reason));

    /// <summary>The most likely tokens and the sampled one, by their text; where two tokens read the same, the likelier stays.</summary>
    private static Dictionary<string, float> TopOf(TokenLogprob token)
    {
        var top = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var alternative in token.Top)
            top.TryAdd(alternative.Token, alternative.Logprob);
        top.TryAdd(token.Token, token.Logprob);
        return top;
    }

    private static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
            count++;
        return count;
    }
}
