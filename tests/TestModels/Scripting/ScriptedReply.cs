using System.Text;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// What a scripted model generates after a given last prompt token: a finite reply that ends with an
/// end-of-generation token, or an endless one that repeats a cycle of tokens.
/// </summary>
public sealed class ScriptedReply
{
    private readonly IReadOnlyList<ScriptToken> _tokens;
    private readonly int _cycleStart;

    internal ScriptedReply(IReadOnlyList<ScriptToken> tokens, int cycleStart)
    {
        _tokens = tokens;
        _cycleStart = cycleStart;
    }

    /// <summary>Whether the reply repeats forever (until max tokens).</summary>
    public bool IsEndless => _cycleStart >= 0;

    /// <summary>Tokens a finite reply generates, counting the end-of-generation token.</summary>
    public int TokenCount => IsEndless ? throw EndlessException() : _tokens.Count;

    /// <summary>
    /// The text of a finite reply as llama.cpp renders it without special tokens, so without the
    /// final <c>&lt;|im_end|&gt;</c>; HiPO's tags are included.
    /// </summary>
    public string Text => IsEndless ? throw EndlessException() : TextOfFirst(_tokens.Count);

    /// <summary>
    /// The text of the first <paramref name="tokenCount"/> generated tokens, less a trailing incomplete
    /// UTF-8 character (a streaming decoder holds those bytes back).
    /// </summary>
    public string TextOfFirst(int tokenCount)
    {
        if (tokenCount < 0 || (!IsEndless && tokenCount > _tokens.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, $"The reply has {_tokens.Count} tokens.");
        }

        var bytes = new List<byte>();
        for (int i = 0; i < tokenCount; i++)
        {
            int index = i < _tokens.Count ? i : _cycleStart + ((i - _tokens.Count) % (_tokens.Count - _cycleStart));
            bytes.AddRange(_tokens[index].Rendered);
        }

        return Encoding.UTF8.GetString([.. bytes.Take(bytes.Count - IncompleteTailLength(bytes))]);
    }

    private static int IncompleteTailLength(List<byte> bytes)
    {
        for (int back = 1; back <= Math.Min(3, bytes.Count); back++)
        {
            byte b = bytes[^back];
            if ((b & 0xC0) != 0x80)
            {
                int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return length > back ? back : 0;
            }
        }

        return 0;
    }

    private static InvalidOperationException EndlessException() =>
        new("The reply never ends; use TextOfFirst(tokenCount).");
}
