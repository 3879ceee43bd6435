using LLama;
using LLama.Native;

namespace HiPO.Inference.Prompting;

/// <summary>
/// Turns a rendered prompt into tokens: template markup may produce control tokens, conversation text never does.
/// llama.cpp matches user-defined added tokens (such as <c>&lt;think&gt;</c>) even when special parsing is off,
/// so conversation text is cut inside every such token's spelling before it is tokenized.
/// </summary>
public sealed class PromptTokenizer
{
    private readonly LLamaWeights _weights;
    private readonly string[] _addedTokenTexts;

    public PromptTokenizer(LLamaWeights weights)
    {
        _weights = weights;
        var vocab = weights.NativeHandle.Vocab;
        var texts = new List<string>();
        for (var id = 0; id < vocab.Count; id++)
        {
            var token = (LLamaToken)id;
            var attributes = token.GetAttributes(vocab);
            if ((attributes & (LLamaTokenAttr.Control | LLamaTokenAttr.UserDefined)) == 0)
                continue;
            var text = vocab.LLamaTokenToString(token, isSpecialToken: true);
            if (text is { Length: > 1 })
                texts.Add(text);
        }
        _addedTokenTexts = [.. texts.Distinct()];
    }

    public LLamaToken[] Tokenize(RenderedPrompt prompt)
    {
        var tokens = new List<LLamaToken>();
        foreach (var segment in prompt.Segments)
        {
            if (segment.IsTemplate)
                tokens.AddRange(Tokenize(segment.Text, special: true));
            else
                foreach (var piece in SplitAddedTokenSpellings(segment.Text))
                    tokens.AddRange(Tokenize(piece, special: false));
        }
        return [.. tokens];
    }

    /// <summary>Tokenizes trusted text (template markup or a raw completion prompt) with control tokens parsed.</summary>
    public LLamaToken[] Tokenize(string text, bool special) =>
        text.Length == 0 ? [] : _weights.Tokenize(text, add_bos: false, special: special, System.Text.Encoding.UTF8);

    /// <summary>Cuts the text one character into every occurrence of an added token's spelling.</summary>
    internal IEnumerable<string> SplitAddedTokenSpellings(string text)
    {
        var cuts = new SortedSet<int>();
        foreach (var spelling in _addedTokenTexts)
            for (var at = text.IndexOf(spelling, StringComparison.Ordinal); at >= 0; at = text.IndexOf(spelling, at + 1, StringComparison.Ordinal))
                cuts.Add(at + 1);
        var start = 0;
        foreach (var cut in cuts)
        {
            yield return text[start..cut];
            start = cut;
        }
        yield return text[start..];
    }
}
